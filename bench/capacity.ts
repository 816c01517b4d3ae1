/**
 * Capacity forecasts at fleet scale: SITES sites (200) with 180 days of generated daily peaks each
 * (the lab's history), then `capacity.sites` (every site's forecast and advice, what the Capacity
 * screen and `fleetdeck capacity` ask for first) timed:
 *   cold        the first call of a fresh engine (the CLI opens one per command; the app after a start)
 *   warm        the same call again in the same engine
 *   afterSweep  after today's peak rose at every site (what a health sweep records)
 *   nextEngine  a second fresh engine on the same data dir after that (the next CLI command)
 * plus the model fits each needed. Prints one JSON object as its last line. Env: CAPACITY_SITES.
 */
import './loopback-only';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../main/engine';
import { ManualClock } from '../main/kit/time';
import { silentLogger } from '../main/store/log';
import { openNodeVault } from '../main/vault/node-vault';
import { modelFits } from '../main/capacity/forecast';

const SITES = Number(process.env['CAPACITY_SITES'] ?? 200);
const NOW = Date.parse('2026-12-04T18:00:00Z');
const log = (line: string) => process.stderr.write(line + '\n');
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function sitesCsv(): string {
  const lines = ['code,partner,asn,name,city,country,latitude,longitude,timezone,maintenance_window,fill_window'];
  for (let s = 0; s < SITES; s++) lines.push(`S${String(s).padStart(4, '0')},Partner ${s % 20},${64512 + (s % 20)},Site ${s},City ${s},BR,-23.5,-46.8,America/Sao_Paulo,03:00-05:00,02:00-14:00`);
  return lines.join('\n');
}

function appliancesCsv(): string {
  const lines = ['serial,hostname,site,model,ipv4,ipv6,ssh_port,api_port,storage_tb,nic_gbps,firmware,status,tags'];
  for (let i = 0; i < SITES * 3; i++) {
    const n = String(i).padStart(6, '0');
    const site = `S${String(i % SITES).padStart(4, '0')}`;
    lines.push(`OC${n},oca${n}.${site.toLowerCase()}.isp.example.net,${site},storage,10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255},,22,443,360,100,2026.1.0,online,lab`);
  }
  return lines.join('\n');
}

async function timed(engine: Engine): Promise<{ seconds: number; fits: number; advice: string }> {
  const fits = modelFits();
  const t0 = performance.now();
  const sites = await engine.client({ actor: 'bench' }).api.capacity.sites({});
  const seconds = round((performance.now() - t0) / 1000);
  return { seconds, fits: modelFits() - fits, advice: JSON.stringify(sites.map((s) => [s.site, s.method, s.advice?.sentence])) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-capacity-'));
  const backgroundDir = `${dir}-background`;
  try {
    const open = async () => createEngine({ dataDir: dir, host: 'cli', vault: await openNodeVault(dir), log: silentLogger, clock: new ManualClock(NOW) });
    const setup = await open();
    await setup.client({ actor: 'bench' }).api.inventory.importData({ format: 'csv', kind: 'sites', content: sitesCsv() });
    await setup.client({ actor: 'bench' }).api.inventory.importData({ format: 'csv', kind: 'appliances', content: appliancesCsv() });
    setup.capacity.seedLabHistory('lab');
    setup.close();
    log(`${SITES} sites with 180 days of peaks each`);
    // The same fleet and history for the background-fitting run below.
    cpSync(dir, backgroundDir, { recursive: true });

    const engine = await open();
    const cold = await timed(engine);
    log(`cold: ${cold.seconds} s, ${cold.fits} model fits`);
    const warm = await timed(engine);
    log(`warm: ${warm.seconds} s, ${warm.fits} model fits`);
    // Today's peak rises at every site, as a health sweep records it.
    const raise = engine.db.prepare(`UPDATE site_daily_peaks SET peak_gbps = peak_gbps + 1 WHERE day = (SELECT max(day) FROM site_daily_peaks p WHERE p.site = site_daily_peaks.site)`);
    raise.run();
    const afterSweep = await timed(engine);
    log(`after a sweep: ${afterSweep.seconds} s, ${afterSweep.fits} model fits`);
    engine.close();
    const next = await open();
    const nextEngine = await timed(next);
    log(`next engine: ${nextEngine.seconds} s, ${nextEngine.fits} model fits`);
    next.close();
    // A window's engine fits in the background once the history is written; the first look then reads.
    const openAt = async (d: string) => createEngine({ dataDir: d, host: 'cli', vault: await openNodeVault(d), log: silentLogger, clock: new ManualClock(NOW) });
    const fitter = await openAt(backgroundDir);
    const b0 = performance.now();
    await fitter.capacity.fitInBackground();
    const backgroundSeconds = round((performance.now() - b0) / 1000);
    fitter.close();
    const looker = await openAt(backgroundDir);
    const firstLook = await timed(looker);
    looker.close();
    log(`background fitting: ${backgroundSeconds} s; then the first look: ${firstLook.seconds} s, ${firstLook.fits} model fits`);
    if (firstLook.advice !== cold.advice) throw new Error('the first look after background fitting differs from a cold look');
    if (warm.advice !== cold.advice) throw new Error('the warm answer differs from the cold one');
    if (nextEngine.advice !== afterSweep.advice) throw new Error("the next engine's answer differs from the one after the sweep");
    const result = {
      bench: 'capacity',
      sites: SITES,
      historyDays: 180,
      coldSeconds: cold.seconds,
      coldFits: cold.fits,
      backgroundFitSeconds: backgroundSeconds,
      firstLookAfterBackgroundSeconds: firstLook.seconds,
      firstLookAfterBackgroundFits: firstLook.fits,
      warmSeconds: warm.seconds,
      warmFits: warm.fits,
      afterSweepSeconds: afterSweep.seconds,
      afterSweepFits: afterSweep.fits,
      nextEngineSeconds: nextEngine.seconds,
      nextEngineFits: nextEngine.fits,
      machine: { cpus: cpus().length, load: round(loadavg()[0]!, 2) },
    };
    console.log(JSON.stringify(result));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(backgroundDir, { recursive: true, force: true });
  }
}

void main();
