/**
 * The first render of the appliance table with N rows in Chromium, as `bench:inventory` and
 * `bench:render` measure it: `fleetdeck serve` on a data dir with N imported appliances (health
 * monitor off), a new page per run, page.goto('#/appliances') until the first `appliance-row` is
 * visible. Each run is also broken down from the page's own clock (navigation start = 0): the HTML
 * received, the renderer's script run (renderer/src/ui/boot-marks.ts), the engine session up, the
 * first page of rows received, the first rows painted; with the RPC requests the page sent before
 * its first rows and the script and style bytes it loaded.
 */
import { existsSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appliancesCsv, sitesCsv } from '../fleet-gen';
import { chromiumAvailable, launchChromium } from '../../tests/e2e/support/browser';
import { REPO, runCli, serveApp } from '../../tests/e2e/support/serve';
import { BOOT_MARKS } from '../../renderer/src/ui/boot-marks';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One run, in ms from navigation start (page clock) except `visibleMs` (the bench's own clock, from goto). */
export interface RenderRun {
  visibleMs: number;
  htmlMs: number | null;
  scriptRunMs: number | null;
  sessionUpMs: number | null;
  firstPageMs: number | null;
  firstRowsPaintedMs: number | null;
  /** JSON-RPC requests sent on the WebSocket before the first row was visible, by method. */
  rpcBeforeRows: string[];
  scriptBytes: number;
  styleBytes: number;
}

export interface FirstRenderResult {
  rows: number;
  runs: number;
  medianMs: number;
  runsMs: number[];
  /** Median of each breakdown figure over the runs. */
  breakdownMs: Record<'html' | 'scriptRun' | 'sessionUp' | 'firstPage' | 'firstRowsPainted', number | null>;
  rpcBeforeRows: string[];
  scriptKb: number;
  styleKb: number;
}

/**
 * Health polling is on by default in `fleetdeck serve`; these made-up appliances have nothing
 * behind their addresses (and the loopback guard refuses them), so the table's figures are taken
 * with the monitor off, as before polling became the default.
 */
export function monitorOff(dataDir: string): void {
  const r = runCli(dataDir, ['health', 'monitor', '--disable']);
  if (r.status !== 0) throw new Error(r.stderr);
}

/** A data dir with `rows` appliances over 40 sites; the caller removes it. */
function renderFleetDir(rows: number): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-render-'));
  const sites = sitesCsv(40);
  writeFileSync(join(dataDir, 's.csv'), sites.csv);
  writeFileSync(join(dataDir, 'a.csv'), appliancesCsv(rows, sites.codes));
  for (const f of ['s.csv', 'a.csv']) {
    const r = runCli(dataDir, ['inventory', 'import', join(dataDir, f)]);
    if (r.status !== 0) throw new Error(r.stderr);
  }
  monitorOff(dataDir);
  return dataDir;
}

/**
 * What the page's own clock says, as source text: tsx names the functions of a callback passed to
 * page.evaluate with a helper (`__name`) that the page does not have.
 */
function pageTimingScript(marks: typeof BOOT_MARKS): string {
  return `(() => {
    const at = (name) => {
      const e = performance.getEntriesByName(name)[0];
      return e ? Math.round(e.startTime) : null;
    };
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const bytes = (ext) => resources.filter((r) => r.name.split('?')[0].endsWith(ext)).reduce((s, r) => s + r.decodedBodySize, 0);
    return {
      htmlMs: nav ? Math.round(nav.responseEnd) : null,
      scriptRunMs: at(${JSON.stringify(marks.script)}),
      sessionUpMs: at(${JSON.stringify(marks.session)}),
      firstPageMs: at(${JSON.stringify(marks.firstPage)}),
      firstRowsPaintedMs: at(${JSON.stringify(marks.firstRows)}),
      scriptBytes: bytes('.js'),
      styleBytes: bytes('.css'),
    };
  })()`;
}

const medianOrNull = (xs: (number | null)[]) => {
  const known = xs.filter((x): x is number => x !== null);
  return known.length ? Math.round(median(known)) : null;
};

/**
 * The built renderer the served app reads (out/renderer), switched between this tree's build and a
 * baseline build run by run, so a change is compared with what it replaces on the same machine at
 * the same moment (the host reads each file from disk per request). Put back by restore().
 */
function rendererSwitch(baselineDir: string): { use(which: 'current' | 'baseline'): void; restore(): void } {
  const live = `${REPO}/out/renderer`;
  const current = `${REPO}/out/renderer.bench-current`;
  if (!existsSync(`${baselineDir}/index.html`)) throw new Error(`no built renderer in ${baselineDir}`);
  renameSync(live, current);
  return {
    use(which) {
      if (existsSync(live)) unlinkSync(live);
      symlinkSync(which === 'current' ? current : baselineDir, live);
    },
    restore() {
      if (existsSync(live)) unlinkSync(live);
      renameSync(current, live);
    },
  };
}

/**
 * `runs` first renders of the table on a fleet of `rows` appliances; null without Chromium. With a
 * baseline renderer build, as many runs again alternate with these on it (`baseline` in the result).
 */
export async function firstRender(
  rows: number,
  runs = 5,
  options: { dataDir?: string; baselineRendererDir?: string } = {},
): Promise<(FirstRenderResult & { baseline?: FirstRenderResult }) | null> {
  if (!chromiumAvailable) return null;
  const dir = options.dataDir ?? renderFleetDir(rows);
  const renderer = options.baselineRendererDir ? rendererSwitch(options.baselineRendererDir) : null;
  renderer?.use('current');
  const results: RenderRun[] = [];
  const baseline: RenderRun[] = [];
  let app: Awaited<ReturnType<typeof serveApp>> | null = null;
  let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
  try {
    app = await serveApp({ dataDir: dir });
    browser = await launchChromium();
    for (let i = 0; i < runs * (renderer ? 2 : 1); i++) {
      const onBaseline = renderer !== null && i % 2 === 1;
      renderer?.use(onBaseline ? 'baseline' : 'current');
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const sent: string[] = [];
      let rowsSeen = false;
      page.on('websocket', (ws) =>
        ws.on('framesent', ({ payload }) => {
          if (rowsSeen || typeof payload !== 'string') return;
          const m = /"method"\s*:\s*"([^"]+)"/.exec(payload);
          if (m) sent.push(m[1]!);
        }),
      );
      const url = new URL(app.url);
      url.hash = '#/appliances';
      const t0 = performance.now();
      await page.goto(url.toString());
      await page.getByTestId('appliance-row').first().waitFor({ timeout: 30_000 });
      const visibleMs = Math.round(performance.now() - t0);
      rowsSeen = true;
      const count = await page.getByTestId('appliance-count').textContent();
      if (!count?.replace(/,/g, '').includes(String(rows))) throw new Error(`table shows "${count}", expected ${rows} rows`);
      await page.waitForFunction(`performance.getEntriesByName(${JSON.stringify(BOOT_MARKS.firstRows)}).length > 0`, undefined, { timeout: 10_000 });
      const timing = (await page.evaluate(pageTimingScript(BOOT_MARKS))) as Omit<RenderRun, 'visibleMs' | 'rpcBeforeRows'>;
      (onBaseline ? baseline : results).push({ visibleMs, ...timing, rpcBeforeRows: sent });
      await page.close();
    }
  } finally {
    await browser?.close();
    await app?.stop();
    renderer?.restore();
    if (!options.dataDir) rmSync(dir, { recursive: true, force: true });
  }
  const summary = summarise(rows, results);
  return baseline.length ? { ...summary, baseline: summarise(rows, baseline) } : summary;
}

function summarise(rows: number, results: RenderRun[]): FirstRenderResult {
  const runsMs = results.map((r) => r.visibleMs);
  const last = results.at(-1)!;
  return {
    rows,
    runs: results.length,
    medianMs: median(runsMs),
    runsMs,
    breakdownMs: {
      html: medianOrNull(results.map((r) => r.htmlMs)),
      scriptRun: medianOrNull(results.map((r) => r.scriptRunMs)),
      sessionUp: medianOrNull(results.map((r) => r.sessionUpMs)),
      firstPage: medianOrNull(results.map((r) => r.firstPageMs)),
      firstRowsPainted: medianOrNull(results.map((r) => r.firstRowsPaintedMs)),
    },
    rpcBeforeRows: last.rpcBeforeRows,
    scriptKb: Math.round(last.scriptBytes / 1024),
    styleKb: Math.round(last.styleBytes / 1024),
  };
}
