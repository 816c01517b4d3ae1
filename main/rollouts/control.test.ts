/**
 * Rollout control on a real lab fleet: a site outside its window waits while the others go on;
 * pause stops new appliances and resume goes on; abort finishes or puts back what is in flight and
 * starts nothing more; a canary that degrades while observed is judged fail with the numbers, a
 * marginal one waits for a person whose approval (audited) releases the waves; health shows an
 * appliance in the rollout's reboot as expected, not as an Error or an actionable item.
 */
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEYGEN, startRolloutLab, type RolloutLab } from '../../tests/support/rollout-lab';
import type { Rollout } from './contract';

const missing = !existsSync(KEYGEN);
if (missing) console.log(`SKIPPED: rollout control: ${KEYGEN} missing (apt-get install openssh-client)`);

const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.skipIf(missing)('rollout control on a lab fleet', () => {
  let lab: RolloutLab;
  let sites: string[] = [];
  const bySite = (site: string) => lab.fleet.manifestAppliances().filter((a) => a.site === site).map((a) => a.serial);
  let n = 0;
  const nextImage = async () => {
    const v = `28.${++n}.0`;
    await lab.image(v);
    return v;
  };
  const get = (id: number) => lab.api.rollouts.get({ id });
  const running = (s: Rollout) => s.state;

  beforeAll(async () => {
    lab = await startRolloutLab({ appliances: 12, sites: 3, seed: 5 });
    sites = [...new Set(lab.fleet.manifestAppliances().map((a) => a.site))].sort();
    for (const s of sites) lab.setWindow(s, true);
  }, 60_000);
  /** Undone after each test, passed or failed. */
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const undo of cleanups.splice(0)) undo();
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('a site outside its maintenance window waits; the others go on; it goes once its window opens', async () => {
    const closed = sites[2]!;
    lab.setWindow(closed, false);
    const image = await nextImage();
    // One wave after the canary: a wave ends when all its appliances have, so a closed site holds back the waves after its own.
    const r = await lab.api.rollouts.create({ image, selection: { all: true }, canary: { kind: 'serials', serials: [bySite(sites[0]!)[0]!] }, waves: { kind: 'count', sizes: [11] }, maxUnavailablePerSite: { kind: 'count', value: 2 }, judgement: { observeSeconds: 0 } });
    const pv = await lab.api.rollouts.preview({ image, selection: { all: true } });
    expect(pv.sites.find((s) => s.site === closed)!.windowOpen).toBe(false);
    expect(pv.sites.find((s) => s.site === closed)!.nextWindowAt).not.toBeNull();
    await lab.api.rollouts.start({ id: r.id });
    const others = sites.filter((s) => s !== closed).flatMap(bySite);
    await until('the open sites to finish', async () => (await lab.api.rollouts.appliances({ id: r.id, state: ['ok'] })).total === others.length);
    await new Promise((res) => setTimeout(res, 500));
    const waiting = await lab.api.rollouts.appliances({ id: r.id, site: closed });
    expect(waiting.items.every((i) => i.state === 'waiting' && i.step === 'wait')).toBe(true);
    for (const s of bySite(closed)) expect(lab.fleet.appliance(s)!.status().serving, s).toBe('serving');
    expect((await get(r.id)).sites.find((s) => s.site === closed)!.windowOpen).toBe(false);
    expect(running((await get(r.id)).rollout)).toBe('running');
    lab.setWindow(closed, true);
    const done = await lab.api.rollouts.wait({ id: r.id, timeoutMs: 60_000 });
    expect(done.state).toBe('succeeded');
    for (const s of bySite(closed)) expect(lab.fleet.appliance(s)!.status().firmware.runningVersion).toBe(image);
  }, 120_000);

  it('waves progress per site: a closed site holds back no later wave at the open sites; its own appliances go when it opens', async () => {
    const closed = sites[2]!;
    lab.setWindow(closed, false);
    try {
      const image = await nextImage();
      // Waves of 3, 3 and the rest, each spread over the sites: every wave has appliances at the closed site.
      const r = await lab.api.rollouts.create({ image, selection: { all: true }, canary: { kind: 'serials', serials: [bySite(sites[0]!)[0]!] }, waves: { kind: 'count', sizes: [3, 3] }, maxUnavailablePerSite: { kind: 'count', value: 1 }, judgement: { observeSeconds: 0 } });
      expect(r.waveCount).toBe(3);
      await lab.api.rollouts.start({ id: r.id });
      const others = sites.filter((s) => s !== closed).flatMap(bySite);
      await until('every wave at the open sites', async () => (await lab.api.rollouts.appliances({ id: r.id, state: ['ok'] })).total === others.length, 90_000);
      const now = (await get(r.id)).rollout;
      expect(now.currentWave).toBe(3);
      expect(now.state).toBe('running');
      const waiting = await lab.api.rollouts.appliances({ id: r.id, site: closed });
      expect(new Set(waiting.items.map((i) => i.wave)).size).toBeGreaterThan(1);
      expect(waiting.items.every((i) => i.state === 'waiting')).toBe(true);
      for (const s of bySite(closed)) expect(lab.fleet.appliance(s)!.status().serving, s).toBe('serving');
      lab.setWindow(closed, true);
      const done = await lab.api.rollouts.wait({ id: r.id, timeoutMs: 60_000 });
      expect(done.state).toBe('succeeded');
      for (const s of bySite(closed)) expect(lab.fleet.appliance(s)!.status().firmware.runningVersion).toBe(image);
    } finally {
      lab.setWindow(closed, true);
    }
  }, 180_000);

  it('the per-site limit counts an appliance already drained there: its site is blocked, the others go on', async () => {
    const site = sites[1]!;
    const [down, ...rest] = bySite(site);
    lab.engine.inventory.setStatus(down!, 'drained', 'disk swap', 'test');
    try {
      const image = await nextImage();
      const others = sites.filter((s) => s !== site).flatMap(bySite);
      const plan = { image, selection: { serials: [...others, ...rest] }, canary: { kind: 'count' as const, value: 0 }, waves: { kind: 'count' as const, sizes: [20] }, maxUnavailablePerSite: { kind: 'count' as const, value: 1 } };
      const pv = await lab.api.rollouts.preview(plan);
      const blocked = pv.sites.find((s) => s.site === site)!;
      expect(blocked).toMatchObject({ blocked: true, maxAtOnce: 0, alreadyOut: { count: 1, serials: [down] } });
      expect(pv.warnings.join(' ')).toContain(site);
      const r = await lab.api.rollouts.create(plan);
      await lab.api.rollouts.start({ id: r.id });
      await until('the other sites to finish', async () => (await lab.api.rollouts.appliances({ id: r.id, state: ['ok'] })).total === others.length);
      await new Promise((res) => setTimeout(res, 500));
      const held = await lab.api.rollouts.appliances({ id: r.id, site });
      expect(held.items.every((i) => i.state === 'waiting')).toBe(true);
      for (const s of rest) expect(lab.fleet.appliance(s)!.status().serving).toBe('serving');
      lab.engine.inventory.setStatus(down!, 'online', undefined, 'test');
      const done = await lab.api.rollouts.wait({ id: r.id, timeoutMs: 60_000 });
      expect(done.state).toBe('succeeded');
    } finally {
      if (lab.engine.inventory.appliance(down!).status !== 'online') lab.engine.inventory.setStatus(down!, 'online', undefined, 'test');
    }
  }, 120_000);

  it('pause stops new appliances; resume goes on; both audited', async () => {
    const image = await nextImage();
    const r = await lab.api.rollouts.create({ image, selection: { all: true }, canary: { kind: 'count', value: 0 }, waves: { kind: 'count', sizes: [12] }, maxUnavailablePerSite: { kind: 'count', value: 1 } });
    await lab.api.rollouts.start({ id: r.id });
    await until('a first appliance updated', async () => (await get(r.id)).rollout.counts.ok >= 1);
    // Its job is not paused, resumed or cancelled on its own: the rollout is (it keeps the plan's accounts).
    const jobId = (await get(r.id)).rollout.jobId!;
    await expect(lab.api.jobs.pause({ id: jobId })).rejects.toMatchObject({ code: 'E_CONFLICT', message: expect.stringContaining(`fleetdeck rollout pause ${r.id}`) });
    await expect(lab.api.jobs.cancel({ id: jobId })).rejects.toMatchObject({ code: 'E_CONFLICT', message: expect.stringContaining(`fleetdeck rollout abort ${r.id}`) });
    expect((await lab.api.jobs.get({ id: jobId })).job.state).toBe('running');
    await lab.api.rollouts.pause({ id: r.id, reason: 'NOC asked' });
    await until('in-flight appliances to finish', async () => (await get(r.id)).rollout.counts.inFlight === 0);
    const held = (await get(r.id)).rollout.counts.ok;
    await new Promise((res) => setTimeout(res, 800));
    const after = (await get(r.id)).rollout;
    expect(after.state).toBe('paused');
    expect(after.counts.ok).toBe(held);
    expect(after.counts.ok).toBeLessThan(12);
    await expect(lab.api.jobs.resume({ id: jobId })).rejects.toMatchObject({ code: 'E_CONFLICT', message: expect.stringContaining(`fleetdeck rollout resume ${r.id}`) });
    await lab.api.rollouts.resume({ id: r.id });
    const done = await lab.api.rollouts.wait({ id: r.id, timeoutMs: 60_000 });
    expect(done.state).toBe('succeeded');
    const actions = lab.engine.deps.audit.list({ target: `rollout:${r.id}`, limit: 50 }).map((e) => [e.action, e.actor]);
    expect(actions).toEqual(expect.arrayContaining([['rollout.paused', 'test:alice'], ['rollout.resumed', 'test:alice']]));
  }, 120_000);

  it('abort starts no more appliances and leaves none drained or on trial', async () => {
    const image = await nextImage();
    const r = await lab.api.rollouts.create({ image, selection: { all: true }, canary: { kind: 'count', value: 0 }, waves: { kind: 'count', sizes: [12] }, maxUnavailablePerSite: { kind: 'count', value: 1 } });
    await lab.api.rollouts.start({ id: r.id });
    await until('an appliance in flight', async () => (await get(r.id)).rollout.counts.inFlight >= 1);
    await lab.api.rollouts.abort({ id: r.id, reason: 'wrong image' });
    const done = await lab.api.rollouts.wait({ id: r.id, timeoutMs: 60_000 });
    expect(done.state).toBe('aborted');
    expect(done.reason?.code).toBe('E_ABORTED');
    expect(done.counts.ok + done.counts.cancelled).toBe(12);
    expect(done.counts.cancelled).toBeGreaterThan(0);
    for (const s of lab.serials) {
      const st = lab.fleet.appliance(s)!.status();
      expect(st.serving, s).toBe('serving');
      expect(st.firmware.trial, s).toBe(false);
      expect(st.firmware.pending, s).toBeNull();
    }
    expect(lab.engine.deps.audit.list({ target: `rollout:${r.id}`, limit: 50 }).some((e) => e.action === 'rollout.aborted' && e.actor === 'test:alice')).toBe(true);
  }, 120_000);

  /**
   * One canary per site, covering every model of the lab: the baseline (untouched appliances of the
   * canaries' models at their sites) is then every other appliance, so the ranks of one value per
   * appliance can say something (3 canaries against 9: the smallest p is 2/220).
   */
  const canaryPerSite = async (): Promise<string[]> => {
    const all = (await lab.api.inventory.listAppliances({ limit: 100 })).items;
    const covered = new Set<string>();
    return sites.map((site) => {
      const here = all.filter((a) => a.site === site).sort((a, b) => a.serial.localeCompare(b.serial));
      const pick = here.find((a) => !covered.has(a.model)) ?? here[0]!;
      covered.add(pick.model);
      return pick.serial;
    });
  };

  it('canaries that degrade while observed are judged fail with the numbers; the waves never start', async () => {
    const image = await nextImage();
    const canaries = await canaryPerSite();
    const r = await lab.api.rollouts.create({ image, selection: { all: true }, canary: { kind: 'serials', serials: canaries }, maxUnavailablePerSite: { kind: 'count', value: 1 }, judgement: { observeSeconds: 2, sampleEverySeconds: 0.1 } });
    await lab.api.rollouts.start({ id: r.id });
    await until('judging', async () => (await get(r.id)).rollout.phase === 'judging');
    for (const canary of canaries) lab.fleet.setFault(canary, 'disk-failure', true);
    try {
      const done = await lab.api.rollouts.wait({ id: r.id, timeoutMs: 60_000 });
      expect(done.state).toBe('failed');
      expect(done.reason?.code).toBe('E_CANARY');
      const j = (await get(r.id)).judgement!;
      expect(j.verdict).toBe('fail');
      const errors = j.metrics.find((m) => m.metric === 'errorsPerSecond')!;
      expect(errors.worse).toBe(true);
      expect(errors.canary.n).toBe(3);
      expect(errors.p!).toBeLessThan(0.05);
      expect(j.baseline.length).toBeGreaterThan(0);
      expect(done.counts.ok).toBe(3);
      expect(done.counts.cancelled).toBe(9);
      // Its job is not retried on its own (that would run the 9 others past the failed canary): the rollout is.
      const jobsBefore = (await lab.api.jobs.list({ limit: 500 })).length;
      await expect(lab.api.jobs.retry({ id: done.jobId! })).rejects.toMatchObject({ code: 'E_CONFLICT', message: expect.stringContaining(`fleetdeck rollout retry ${r.id}`) });
      expect((await lab.api.jobs.list({ limit: 500 })).length).toBe(jobsBefore);
      expect((await get(r.id)).rollout.counts.cancelled).toBe(9);
    } finally {
      for (const canary of canaries) lab.fleet.setFault(canary, 'disk-failure', false);
    }
  }, 120_000);

  it('a marginal canary waits for a person; approve-marginal (audited) releases the waves', async () => {
    const image = await nextImage();
    const canaries = await canaryPerSite();
    const r = await lab.api.rollouts.create({
      image,
      selection: { all: true },
      canary: { kind: 'serials', serials: canaries },
      maxUnavailablePerSite: { kind: 'count', value: 1 },
      // Ranks of 3 canaries against the baseline reach p < 0.05, never this failP.
      judgement: { observeSeconds: 8, sampleEverySeconds: 0.1, failP: 1e-12, marginalP: 0.05 },
    });
    await lab.api.rollouts.start({ id: r.id });
    await until('judging', async () => (await get(r.id)).rollout.phase === 'judging');
    // A passing degradation: bad for most of the observation (each canary's median is degraded), healthy at its end.
    for (const canary of canaries) lab.fleet.setFault(canary, 'disk-failure', true);
    await new Promise((res) => setTimeout(res, 5500));
    for (const canary of canaries) lab.fleet.setFault(canary, 'disk-failure', false);
    const waiting = await lab.api.rollouts.wait({ id: r.id, timeoutMs: 60_000 });
    expect(waiting.state).toBe('awaiting-approval');
    expect(waiting.reason?.code).toBe('E_MARGINAL');
    expect((await get(r.id)).judgement!.verdict).toBe('marginal');
    await expect(lab.api.rollouts.resume({ id: r.id })).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await lab.api.rollouts.approveMarginal({ id: r.id, note: 'disk blip, known' });
    const done = await lab.api.rollouts.wait({ id: r.id, timeoutMs: 60_000 });
    expect(done.state).toBe('succeeded');
    expect((await get(r.id)).judgement!.approvedBy).toBe('test:alice');
    expect(lab.engine.deps.audit.list({ target: `rollout:${r.id}`, limit: 50 }).find((e) => e.action === 'rollout.marginal-approved')?.actor).toBe('test:alice');
  }, 120_000);

  it('health shows an appliance in the rollout\'s reboot as expected, never Error, with no actionable item', async () => {
    const image = await nextImage();
    // Reboots of 30 lab minutes (3 real seconds at the lab's speed): long enough for the polls below to
    // meet an appliance while it is down however slow the machine, where 90 lab seconds pass in 150 ms.
    const bootSeconds = new Map(lab.serials.map((s) => [s, lab.fleet.appliance(s)!.state.bootSeconds]));
    for (const s of lab.serials) lab.fleet.appliance(s)!.state.bootSeconds = 1800;
    cleanups.push(() => {
      for (const [s, secs] of bootSeconds) lab.fleet.appliance(s)!.state.bootSeconds = secs;
    });
    const r = await lab.api.rollouts.create({ image, selection: { all: true }, canary: { kind: 'count', value: 0 }, maxUnavailablePerSite: { kind: 'count', value: 1 } });
    await lab.api.rollouts.start({ id: r.id });
    let checked = 0;
    while (checked < 3) {
      const { items } = await lab.api.rollouts.appliances({ id: r.id, state: ['in-flight'] });
      const rebooting = items.filter((i) => i.step === 'verify' || i.step === 'reboot');
      for (const item of rebooting) {
        // Polled while down: unreachable three times would be an Error for an online appliance.
        for (let i = 0; i < 3; i++) await lab.api.health.pollNow({ serials: [item.serial] });
        const { health } = await lab.api.health.appliance({ serial: item.serial });
        const still = (await lab.api.rollouts.appliances({ id: r.id, state: ['in-flight'] })).items.find((x) => x.serial === item.serial);
        if (!still || (still.step !== 'verify' && still.step !== 'reboot')) continue;
        expect(health.expected).toBe(`rebooting (rollout ${r.id})`);
        expect(health.status).not.toBe('Error');
        expect((await lab.api.health.actionable({})).some((a) => a.serial === item.serial)).toBe(false);
        checked++;
      }
      if ((await get(r.id)).rollout.state !== 'running') break;
      await new Promise((res) => setTimeout(res, 5));
    }
    expect(checked).toBeGreaterThan(0);
    const done = await lab.api.rollouts.wait({ id: r.id, timeoutMs: 60_000 });
    expect(done.state).toBe('succeeded');
    const { health } = await lab.api.health.appliance({ serial: lab.serials[0]! });
    expect(health.expected ?? null).toBeNull();
  }, 120_000);
});
