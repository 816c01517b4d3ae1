/**
 * bench:rollout's observer, in its own process so its work is not counted as the engine's: every
 * SAMPLE_MS it asks each lab appliance's HTTP API for /v1/health (keep-alive) and counts, per site,
 * the serving capacity out of service: unreachable (rebooting), starting, draining, drained or not
 * serving. A site is over its limit when more than `limitCount` of its appliances are out and at least
 * one of those was serving when sampling began (what was out before the run is not the tool's doing).
 *
 * Input: one JSON line on stdin {appliances: [{serial, site, nicGbps, port}], limitCount, sampleMs}.
 * Prints one JSON line when stdin gets "stop\n": samples, per-site episodes over the limit, worst.
 */
import '../bench/loopback-only';
import { Agent, get } from 'node:http';
import { createInterface } from 'node:readline';

interface Target {
  serial: string;
  site: string;
  nicGbps: number;
  port: number;
}
interface Setup {
  appliances: Target[];
  limitCount: number;
  sampleMs: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * Whether the appliance is serving now (false: it dropped the connection as a rebooting box does, or
 * answers starting, draining, drained, unhealthy); null when no answer came in time, which on a
 * loaded machine says nothing about the appliance (the last known state stands).
 */
function serving(t: Target): Promise<boolean | null> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port: t.port, path: '/v1/health', agent, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          const h = JSON.parse(body) as { components?: { name: string; status: string; message: string }[] };
          const s = h.components?.find((c) => c.name === 'serving');
          resolve(Boolean(s && s.status !== 'Error' && s.message.startsWith('Serving ')));
        } catch {
          resolve(false);
        }
      });
      res.on('error', () => resolve(false));
    });
    let timedOut = false;
    req.on('timeout', () => {
      timedOut = true;
      req.destroy();
    });
    req.on('error', () => resolve(timedOut ? null : false));
  });
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const it = lines[Symbol.asyncIterator]();
  const first = await it.next();
  const setup = JSON.parse(String(first.value)) as Setup;
  const bySite = new Map<string, Target[]>();
  for (const a of setup.appliances) bySite.set(a.site, [...(bySite.get(a.site) ?? []), a]);
  const capacity = new Map([...bySite].map(([site, list]) => [site, list.reduce((n, a) => n + a.nicGbps, 0)]));

  let stop = false;
  void it.next().then(() => (stop = true));

  let baseline: Set<string> | null = null;
  let samples = 0;
  let siteSamplesOver = 0;
  let episodes = 0;
  const over = new Set<string>();
  const worst = { site: '', outPct: 0, outCount: 0, at: '' };
  let maxSampleMs = 0;
  let unanswered = 0;
  const up = new Map<string, boolean>(setup.appliances.map((a) => [a.serial, true]));
  while (!stop) {
    const t0 = Date.now();
    const states = await Promise.all(setup.appliances.map(async (a) => [a.serial, await serving(a)] as const));
    for (const [serial, ok] of states) {
      if (ok === null) unanswered++;
      else up.set(serial, ok);
    }
    if (baseline === null) baseline = new Set(states.filter(([, ok]) => ok === false).map(([s]) => s));
    samples++;
    for (const [site, list] of bySite) {
      const out = list.filter((a) => !up.get(a.serial));
      const outGbps = out.reduce((n, a) => n + a.nicGbps, 0);
      const outPct = (100 * outGbps) / capacity.get(site)!;
      const ours = out.some((a) => !baseline!.has(a.serial));
      const isOver = ours && out.length > setup.limitCount;
      if (isOver) {
        siteSamplesOver++;
        if (!over.has(site)) episodes++;
        over.add(site);
        if (outPct > worst.outPct) Object.assign(worst, { site, outPct: Math.round(outPct * 10) / 10, outCount: out.length, at: new Date().toISOString() });
      } else over.delete(site);
    }
    const took = Date.now() - t0;
    maxSampleMs = Math.max(maxSampleMs, took);
    if (took < setup.sampleMs) await new Promise((r) => setTimeout(r, setup.sampleMs - took));
  }
  process.stdout.write(
    JSON.stringify({ samples, perSiteViolations: episodes, siteSamplesOver, worst: worst.site ? worst : null, outBefore: baseline?.size ?? 0, maxSampleMs, unanswered }) + '\n',
  );
  agent.destroy();
  process.exit(0);
}

void main();
