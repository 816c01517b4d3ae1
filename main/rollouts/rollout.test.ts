/**
 * Rollouts on a real lab fleet (ssh2 + SFTP + HTTP on loopback, fast lab clock): waves over
 * several sites never take more of a site out of service than its limit (sampled from the
 * appliances themselves while it runs, and from the journal's timelines); canary faults
 * (no-boot-image, bad-health-image) stop the rollout at the canary with the reason; a site outside
 * its window waits; pause, resume, abort; health shows the planned reboot.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYGEN, startRolloutLab, type RolloutLab } from '../../tests/support/rollout-lab';
import type { Rollout } from './contract';

const missing = !existsSync(KEYGEN);
if (missing) console.log(`SKIPPED: rollouts: ${KEYGEN} missing (apt-get install openssh-client)`);

// Healthy canaries differ from their baseline only by the lab's noise: at p < 0.05 one metric in
// forty would read "worse" by chance, so these tests judge at 0.001 (a real regression is far below).
const FAST = { observeSeconds: 1, sampleEverySeconds: 0.2, failP: 0.001, marginalP: 0.001 };

async function settle(lab: RolloutLab, id: number, timeoutMs = 60_000): Promise<Rollout> {
  return lab.api.rollouts.wait({ id, timeoutMs });
}

describe.skipIf(missing)('rollouts on a lab fleet', () => {
  let lab: RolloutLab;
  beforeAll(async () => {
    lab = await startRolloutLab({ appliances: 16, sites: 4 });
    for (const site of new Set(lab.fleet.manifestAppliances().map((a) => a.site))) lab.setWindow(site, true);
    await lab.image('27.1.0');
    await lab.image('27.2.0');
    await lab.image('27.3.0');
  }, 60_000);
  afterAll(async () => {
    await lab?.close();
  });

  it('previews the blast radius, canary, waves and each site\'s limit against its capacity', async () => {
    const p = await lab.api.rollouts.preview({ image: '27.1.0', selection: { all: true }, canary: { kind: 'count', value: 2 }, waves: { kind: 'percent', steps: [25, 100] }, maxUnavailablePerSite: { kind: 'count', value: 1 } });
    expect(p.total).toBe(16);
    expect(p.byPartner.reduce((n, x) => n + x.count, 0)).toBe(16);
    expect(p.sites).toHaveLength(4);
    expect(p.canary).toHaveLength(2);
    // Canaries in different sites.
    const siteOf = new Map(lab.fleet.manifestAppliances().map((a) => [a.serial, a.site]));
    expect(new Set(p.canary.map((s) => siteOf.get(s))).size).toBe(2);
    expect(p.waves.reduce((n, w) => n + w.size, 0)).toBe(14);
    expect(p.sites.every((s) => s.limitCount === 1 && s.maxAtOnce === 1 && s.windowOpen)).toBe(true);
  });

  it('refuses a percent limit smaller than one appliance of a site, instead of waiting for it for ever', async () => {
    const plan = { image: '27.1.0', selection: { all: true as const }, canary: { kind: 'count' as const, value: 2 }, waves: { kind: 'percent' as const, steps: [100] }, maxUnavailablePerSite: { kind: 'percent' as const, value: 1 } };
    const p = await lab.api.rollouts.preview(plan);
    expect(p.warnings.filter((w) => /alone is [\d.]+ % of the site's \d+ Gbps, more than the 1 % limit, so it could never be taken out; raise the limit to at least \d+ %/.test(w))).toHaveLength(4);
    const refused = await lab.api.rollouts.create(plan).then(
      () => null,
      (err: unknown) => err as { code: string; message: string },
    );
    expect(refused?.code).toBe('E_VALIDATION');
    expect(refused?.message).toMatch(/could never be taken out/);
    expect((await lab.api.rollouts.list({})).filter((r) => r.state === 'created')).toHaveLength(0);
  });

  it('rolls over 4 sites in waves, never more than the per-site limit out at once, and the inventory follows', async () => {
    const created = await lab.api.rollouts.create({
      image: '27.1.0',
      selection: { all: true },
      canary: { kind: 'count', value: 2 },
      waves: { kind: 'percent', steps: [25, 60, 100] },
      maxUnavailablePerSite: { kind: 'count', value: 1 },
      judgement: FAST,
    });
    expect(created.state).toBe('created');
    expect(created.targets).toBe(16);
    let maxPerSite = 0;
    const sampler = setInterval(() => {
      for (const list of lab.outNow().values()) maxPerSite = Math.max(maxPerSite, list.length);
    }, 10);
    try {
      await lab.api.rollouts.start({ id: created.id });
      const done = await settle(lab, created.id);
      expect(done.state, JSON.stringify(done.reason)).toBe('succeeded');
      expect(done.counts.ok).toBe(16);
    } finally {
      clearInterval(sampler);
    }
    expect(maxPerSite).toBe(1);
    // From the journal too: drain-to-undrain intervals never overlap more than once per site.
    const siteOf = new Map(lab.fleet.manifestAppliances().map((a) => [a.serial, a.site]));
    const intervals = new Map<string, Array<[number, number]>>();
    for (const serial of lab.serials) {
      const { entries } = await lab.api.rollouts.timeline({ id: created.id, serial });
      const drain = entries.find((e) => e.step === 'drain' && e.state === 'ok')!;
      const undrain = entries.find((e) => e.step === 'undrain' && e.state === 'ok')!;
      expect(entries.map((e) => e.step)).toEqual(['stage', 'wait', 'drain', 'activate', 'reboot', 'verify', 'commit', 'undrain']);
      const list = intervals.get(siteOf.get(serial)!) ?? [];
      list.push([Date.parse(drain.startedAt), Date.parse(undrain.endedAt!)]);
      intervals.set(siteOf.get(serial)!, list);
    }
    for (const [site, list] of intervals) {
      for (const [a0, a1] of list) {
        const overlapping = list.filter(([b0, b1]) => b0 < a1 && a0 < b1).length;
        expect(overlapping, `site ${site}`).toBe(1);
      }
    }
    for (const serial of lab.serials) {
      expect(lab.fleet.appliance(serial)!.status().firmware.runningVersion).toBe('27.1.0');
      expect(lab.fleet.appliance(serial)!.status().firmware.trial).toBe(false);
      expect(lab.engine.inventory.appliance(serial).firmware).toBe('27.1.0');
    }
    const detail = await lab.api.rollouts.get({ id: created.id });
    expect(detail.judgement?.verdict).toBe('pass');
    expect(detail.judgement?.metrics.map((m) => m.metric)).toEqual(['servingGbps', 'errorsPerSecond', 'cacheHitRatio', 'health']);
    expect(detail.waves.map((w) => w.label)).toEqual(['canary', 'wave 1', 'wave 2', 'wave 3']);
    expect(detail.waves.every((w) => w.state === 'done')).toBe(true);
    const audit = lab.engine.deps.audit.list({ target: `rollout:${created.id}`, limit: 50 }).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['rollout.started', 'rollout.canary-judged', 'rollout.finished']));
    expect(lab.engine.deps.audit.list({ action: ['rollout.created'], limit: 5 })[0]?.actor).toBe('test:alice');
  }, 120_000);

  it.each([
    ['no-boot-image', 'fell-back', /did not boot; the appliance fell back/],
    ['bad-health-image', 'rolled-back', /health Error/],
  ] as const)('a %s fault on the canary stops the rollout at the canary with the reason', async (fault, outcome, why) => {
    const version = fault === 'no-boot-image' ? '27.2.0' : '27.3.0';
    const canary = lab.serials[3]!;
    const before = new Map(lab.serials.map((s) => [s, lab.fleet.appliance(s)!.status().firmware.runningVersion]));
    lab.fleet.setFault(canary, fault, true);
    try {
      const created = await lab.api.rollouts.create({ image: version, selection: { all: true }, canary: { kind: 'serials', serials: [canary] }, maxUnavailablePerSite: { kind: 'count', value: 1 }, judgement: FAST });
      await lab.api.rollouts.start({ id: created.id });
      const done = await settle(lab, created.id);
      expect(done.state).toBe('failed');
      expect(done.reason?.code).toBe('E_CANARY');
      expect(done.reason?.message).toMatch(why);
      expect(done.counts.failed).toBe(1);
      expect(done.counts.cancelled).toBe(15);
      const { items } = await lab.api.rollouts.appliances({ id: created.id, state: ['failed'] });
      expect(items.map((i) => [i.serial, i.outcome])).toEqual([[canary, outcome]]);
      // The canary is back in service on its old image; nobody else was touched.
      const st = lab.fleet.appliance(canary)!.status();
      expect(st.serving).toBe('serving');
      expect(st.firmware.runningVersion).toBe(before.get(canary));
      for (const s of lab.serials) expect(lab.fleet.appliance(s)!.status().firmware.runningVersion, s).toBe(before.get(s));
      expect(lab.engine.inventory.appliance(canary).firmware).toBe(before.get(canary));
    } finally {
      lab.fleet.setFault(canary, fault, false);
    }
  }, 120_000);
});
