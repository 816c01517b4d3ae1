/**
 * The page's first script, an entry of its own (electron.vite.config.ts puts it before the app's in
 * index.html): a few kilobytes that open the engine session and ask for the opening screen's first
 * rows while the app's script is still loading (api/early.ts).
 */
import { openEarlySession } from './api/early';

openEarlySession();
