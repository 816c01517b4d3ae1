/**
 * What most end-to-end suites start with: a real `fleetdeck serve` (serve.ts), Debian's Chromium
 * (browser.ts) and one page open on the served URL with its per-run token; `openLabSession` adds a
 * lab started beside it with `fleetdeck lab start`, as `npm run demo` does, and the CLI on its data dir.
 *
 *   let s: AppSession;
 *   beforeAll(async () => void (s = await openAppSession({ timeoutMs: 15_000 })));
 *   afterAll(() => s?.close());
 */
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { CLI, REPO, serveApp, type ServedApp } from './serve';

export interface AppSessionOptions {
  /** The page's default timeout for locators and waits. */
  timeoutMs: number;
  /** Default 1400 x 900. */
  viewport?: { width: number; height: number };
  /** Runs after serve is up and before the browser opens (start a lab, import files, ...). */
  prepare?: (app: ServedApp) => Promise<void> | void;
  /** On close, stop the lab the suite started with `fleetdeck lab start`. */
  stopLab?: boolean;
}

export interface AppSession {
  app: ServedApp;
  browser: Browser;
  page: Page;
  /** Closes the browser, stops the lab if asked, stops serve and removes its data dir. */
  close(): Promise<void>;
}

export async function openAppSession(options: AppSessionOptions): Promise<AppSession> {
  const app = await serveApp();
  let browser: Browser | null = null;
  const close = async () => {
    await browser?.close();
    if (options.stopLab) app.cli(['lab', 'stop']);
    await app.stop();
  };
  try {
    await options.prepare?.(app);
    browser = await launchChromium();
    // Downloads are accepted (Playwright's default), so export tests can read the file.
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    page.setDefaultTimeout(options.timeoutMs);
    await page.goto(app.url);
    return { app, browser, page, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** An appliance of the lab, as `fleetdeck inventory list --json` lists it. */
export interface LabAppliance {
  serial: string;
  site: string;
  hostname: string;
}

/** The CLI on a served app's data dir. */
export interface LabCli {
  app: ServedApp;
  /** `fleetdeck ARGS --data-dir DIR`: its stdout; throws with what it printed when it fails. */
  cli(args: string[]): string;
  /** `fleetdeck --data-dir DIR ARGS`, for a command that ends in an appliance's command (`exec ... -- ocactl ...`), where a trailing --data-dir would land after `--`. */
  fleetExec(args: string[]): string;
}

export interface LabSessionOptions extends Omit<AppSessionOptions, 'prepare' | 'stopLab'> {
  appliances: number;
  sites: number;
  /** More `lab start` options (`--speed`, `--release-key`, ...). */
  labArgs?: readonly string[];
  /** Runs once the lab is up, before the browser opens (faults, first contact, files to import, ...). */
  prepare?: (lab: LabCli & { fleet: LabAppliance[] }) => Promise<void> | void;
}

export interface LabSession extends AppSession, LabCli {
  /** The lab's appliances as listed right after `lab start`, by serial. */
  fleet: LabAppliance[];
}

function failed(args: readonly string[], r: { status: number | null; stdout: string; stderr: string }): Error {
  return new Error(`fleetdeck ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
}

export function labCli(app: ServedApp): LabCli {
  return {
    app,
    cli(args) {
      const r = app.cli(args);
      if (r.status !== 0) throw failed(args, r);
      return r.stdout;
    },
    fleetExec(args) {
      const r = spawnSync(process.execPath, [CLI, '--data-dir', app.dataDir, ...args], { encoding: 'utf8', cwd: REPO });
      if (r.status !== 0) throw failed(args, r);
      return r.stdout;
    },
  };
}

/** `fleetdeck serve`, a lab of `appliances` in `sites` started beside it (stopped on close), and Chromium on the app. */
export async function openLabSession(options: LabSessionOptions): Promise<LabSession> {
  const { appliances, sites, labArgs = [], prepare, ...app } = options;
  let lab: (LabCli & { fleet: LabAppliance[] }) | null = null;
  const session = await openAppSession({
    ...app,
    stopLab: true,
    prepare: async (served) => {
      const tools = labCli(served);
      tools.cli(['lab', 'start', '--appliances', String(appliances), '--sites', String(sites), ...labArgs]);
      const listed = JSON.parse(tools.cli(['inventory', 'list', '--json', '--limit', String(Math.max(100, appliances))])) as { items: LabAppliance[] };
      lab = { ...tools, fleet: listed.items.sort((a, b) => a.serial.localeCompare(b.serial)) };
      await prepare?.(lab);
    },
  });
  return { ...session, ...lab! };
}
