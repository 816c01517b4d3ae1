/** The renderer's entry: styles, the saved theme, then the app. */
// The page's early script, also an entry of its own that index.html runs first (it opens the session
// once); imported here so the bundler keeps it and what it uses in its own small chunk.
import './early';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './ui/styles.css';
import { App } from './App';
import { applyTheme, followSystemTheme, useUi } from './stores/ui';
import { BOOT_MARKS, markOnce } from './ui/boot-marks';
import { startSession } from './boot';

markOnce(BOOT_MARKS.script);
void startSession();

applyTheme(useUi.getState().theme);
followSystemTheme();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
