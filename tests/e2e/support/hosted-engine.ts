/**
 * The engine in the test process behind the browser host (main/host/browser-host.ts), serving the
 * built renderer (out/renderer), with Chromium to open it: for suites that look at the host itself
 * rather than at `fleetdeck serve` (see session.ts for that).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { HostKind } from '../../../main/kit/context';
import { createEngine, type Engine } from '../../../main/engine';
import { defaultRendererDir, startBrowserHost, type BrowserHost } from '../../../main/host/browser-host';
import { silentLogger } from '../../../main/store/log';
import { openNodeVault } from '../../../main/vault/node-vault';
import { tempDir } from '../../support/temp-dir';
import { chromiumAvailable, chromiumSkipReason, launchChromium } from './browser';

export const rendererDir = defaultRendererDir();

/** Why a hosted-renderer suite cannot run here (no Chromium, renderer not built), or null. */
export function hostedSkipReason(): string | null {
  if (!chromiumAvailable) return chromiumSkipReason;
  if (!existsSync(join(rendererDir, 'index.html'))) return `the renderer is not built (${rendererDir}); run npx electron-vite build`;
  return null;
}

export interface HostedEngine {
  dataDir: string;
  engine: Engine;
  host: BrowserHost;
  browser: Browser;
  /** Closes the browser, the host and the engine, and removes the data dir. */
  close(): Promise<void>;
}

/** `hostName` is what the engine calls its host in the audit log and events (browser, desktop). */
export async function startHostedEngine(hostName: HostKind, prefix: string): Promise<HostedEngine> {
  const dataDir = tempDir(prefix);
  const engine = createEngine({ dataDir, host: hostName, vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger });
  let host: BrowserHost | null = null;
  let browser: Browser | null = null;
  const close = async () => {
    await browser?.close();
    await host?.close();
    engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    host = await startBrowserHost({ engine, rendererDir });
    browser = await launchChromium();
    return { dataDir, engine, host, browser, close };
  } catch (err) {
    await close();
    throw err;
  }
}
