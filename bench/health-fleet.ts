/**
 * What a window pays to read live health at fleet scale: 10,000 appliances (1,000 sites, 100
 * partners) with a measured state each (six appliance components and a metrics sample, as the lab
 * reports them), written straight into SQLite so no polling is needed. Times the `health.fleet`
 * shapes the screens use through the real dispatcher and an in-process JSON-RPC channel, and counts
 * the bytes each reply puts on the wire. Prints one JSON object as its last line.
 * Env: HEALTH_FLEET_APPLIANCES (10000), HEALTH_FLEET_SITES (1000).
 */
import './loopback-only';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelPair } from '../main/api/channel';
import { createApiClient, type ApiClient } from '../main/api/client';
import { createEngine, type Engine } from '../main/engine';
import type { HealthRecord } from '../main/health/assess';
import { ManualClock } from '../main/kit/time';
import { silentLogger } from '../main/store/log';
import { openNodeVault } from '../main/vault/node-vault';
import { importScaleFleet, scalePartners, scaleSerial } from './support/scale-fleet';

const N = Number(process.env['HEALTH_FLEET_APPLIANCES'] ?? 10_000);
const SITES = Number(process.env['HEALTH_FLEET_SITES'] ?? 1_000);
const PARTNERS = scalePartners(SITES);
const RUNS = 7;

const log = (line: string) => process.stderr.write(line + '\n');
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function record(serial: string, i: number, at: string): HealthRecord {
  const used = 0.6 + (i % 37) / 100;
  return {
    serial,
    measuredAt: at,
    lastPollAt: at,
    lastError: null,
    failures: 0,
    components: [
      { name: 'disk', status: used >= 0.9 ? 'Warning' : 'OK', message: `${Math.floor(used * 100)}% used (${round(used * 360)} TB of 360 TB).` },
      { name: 'nic', status: 'OK', message: '100 Gbps link up.' },
      { name: 'bgp', status: 'OK', message: 'BGP session to 192.0.2.1 established.' },
      { name: 'firmware', status: 'OK', message: '2026.1.0 on slot A, committed.' },
      { name: 'serving', status: 'OK', message: `Serving ${round(40 + (i % 50))} Gbps.` },
      { name: 'fill', status: 'OK', message: 'No fill running.' },
    ],
    metrics: {
      at,
      servingGbps: 40 + (i % 50),
      connections: 12_000 + i,
      cacheHitRatio: 0.93,
      diskUsedBytes: used * 360e12,
      diskTotalBytes: 360e12,
      fillProgress: null,
      fillRateGbps: 0,
      errorsPerSecond: 0.4,
    },
    since: used >= 0.9 ? { disk: at } : {},
  };
}

/** A client whose channel counts the bytes of every reply it receives. */
function countingClient(engine: Engine): { client: ApiClient; received: () => number } {
  const [engineSide, clientSide] = channelPair();
  engine.connect(engineSide, { actor: 'bench:window', host: 'test' });
  let bytes = 0;
  const counted = {
    ...clientSide,
    onMessage(handler: (text: string) => void) {
      clientSide.onMessage((text) => {
        bytes += Buffer.byteLength(text);
        handler(text);
      });
    },
  };
  return { client: createApiClient(counted), received: () => bytes };
}

async function measure(name: string, wire: { received: () => number }, read: () => Promise<unknown>) {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const before = wire.received();
    const t = performance.now();
    await read();
    ms.push(performance.now() - t);
    bytes = wire.received() - before;
  }
  ms.sort((a, b) => a - b);
  const result = { bytes, kB: round(bytes / 1024), p50Ms: round(ms[Math.floor(RUNS / 2)]!), minMs: round(ms[0]!) };
  log(`${name}: ${result.kB} kB, p50 ${result.p50Ms} ms`);
  return result;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-bench-health-fleet-'));
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  const vault = await openNodeVault(dir, { env: {} });
  const open = () => createEngine({ dataDir: dir, host: 'test', vault, clock, log: silentLogger });
  try {
    log(`seeding ${N} appliances in ${SITES} sites, each with a measured state...`);
    let engine = open();
    const serials = await importScaleFleet(engine, { appliances: N, sites: SITES }, 'bench');
    const at = new Date(clock.now()).toISOString();
    engine.health.repo.saveRecords(serials.map((serial, i) => record(serial, i, at)));
    engine.close();
    // A fresh engine reads the stored states, as the app does at start.
    engine = open();
    const wire = countingClient(engine);
    const { client } = wire;
    const visible = Array.from({ length: 60 }, (_, i) => scaleSerial(5000 + i));
    const results: Record<string, unknown> = {};
    results['everything'] = await measure('health.fleet({}) (every item: what every screen read before)', wire, () => client.api.health.fleet({}));
    results['rollupsOnly'] = await measure('roll-ups only (overview, Health strip)', wire, () => client.api.health.fleet({ includeItems: false }));
    results['visibleRows'] = await measure('60 visible table rows by serial', wire, () =>
      client.api.health.fleet({ serials: visible, includeRollups: false }),
    );
    results['healthListPage'] = await measure('one Health list page (100 rows, worst first)', wire, () =>
      client.api.health.fleet({ sort: 'worst', offset: 0, limit: 100, includeRollups: false }),
    );
    engine.close();
    console.log(JSON.stringify({ bench: 'health-fleet', machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`, appliances: N, sites: SITES, partners: PARTNERS, ...results }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
