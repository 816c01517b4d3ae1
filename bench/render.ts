/**
 * `npm run bench:render`: only the first render of the appliance table with 10,000 rows in
 * Chromium (goal < 1 s), with where its time goes (bench/support/first-render.ts). Prints one JSON
 * object as its last line. BENCH_ROWS and BENCH_RUNS change the fleet size and the run count.
 * BENCH_BASELINE_RENDERER=DIR (another checkout's `out/renderer`, built by `npx electron-vite build`)
 * alternates each run with one on that build, in the same served app: before and after side by side.
 */
import './loopback-only';
import { loadavg } from 'node:os';
import { firstRender } from './support/first-render';

const log = (msg: string) => process.stderr.write(`bench:render: ${msg}\n`);

async function main() {
  const rows = Number(process.env['BENCH_ROWS'] ?? 10_000);
  const runs = Number(process.env['BENCH_RUNS'] ?? 7);
  log(`first render of the table with ${rows} rows in Chromium, ${runs} runs ...`);
  const loadBefore = loadavg()[0]!;
  const baselineRendererDir = process.env['BENCH_BASELINE_RENDERER'];
  const render = await firstRender(rows, runs, baselineRendererDir ? { baselineRendererDir } : {});
  if (!render) log('Chromium is not installed (Debian: apt-get install chromium): nothing measured.');
  const result = {
    bench: 'render',
    machine: `${process.platform} ${process.arch}, node ${process.version}`,
    loadAverage1m: [Math.round(loadBefore * 100) / 100, Math.round(loadavg()[0]! * 100) / 100],
    firstRenderGoalMs: 1000,
    ...render,
  };
  console.log(JSON.stringify(result));
}

await main();
