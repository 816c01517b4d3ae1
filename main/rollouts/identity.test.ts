/**
 * Identity per appliance, never per connection: an inventory entry whose address (and recorded
 * host key) reaches another appliance (a re-addressed box, a NAT mistake, two boxes imaged with one
 * host key) is not rolled over. Its `ocactl status` names the other serial: the rollout fails that
 * target with E_SERIAL_MISMATCH before anything is staged, and the appliance it reached is untouched.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYGEN, startRolloutLab, type RolloutLab } from '../../tests/support/rollout-lab';

const missing = !existsSync(KEYGEN);
if (missing) console.log(`SKIPPED: rollout identity: ${KEYGEN} missing (apt-get install openssh-client)`);

describe.skipIf(missing)('a rollout target whose address reaches another appliance', () => {
  let lab: RolloutLab;
  beforeAll(async () => {
    lab = await startRolloutLab({ appliances: 4, sites: 1 });
    for (const site of new Set(lab.fleet.manifestAppliances().map((a) => a.site))) lab.setWindow(site, true);
    await lab.image('27.1.0');
  }, 60_000);
  afterAll(async () => {
    await lab?.close();
  });

  it('fails that target with E_SERIAL_MISMATCH and changes nothing on the appliance it reached', async () => {
    const [wrong, other] = lab.serials as [string, string];
    const reached = lab.fleet.manifestAppliances().find((a) => a.serial === other)!;
    // The inventory's record of `wrong` now leads to `other` (its port and its host key).
    // (Straight into the database: an inventory edit does not change a trusted key, a re-imaged box would.)
    lab.engine.deps.db
      .prepare('UPDATE appliances SET ssh_port = ?, api_port = ?, host_key_fingerprint = ? WHERE serial = ?')
      .run(reached.sshPort, reached.apiPort, reached.hostKeyFingerprint, wrong);
    const before = lab.fleet.appliance(other)!.status().firmware;
    const created = await lab.api.rollouts.create({
      image: '27.1.0',
      selection: { serials: [wrong] },
      canary: { kind: 'count', value: 1 },
      waves: { kind: 'percent', steps: [100] },
      maxUnavailablePerSite: { kind: 'count', value: 1 },
      judgement: { observeSeconds: 1, sampleEverySeconds: 0.2, failP: 0.001, marginalP: 0.001 },
    });
    await lab.api.rollouts.start({ id: created.id });
    const done = await lab.api.rollouts.wait({ id: created.id, timeoutMs: 60_000 });
    expect(done.counts.ok).toBe(0);
    const { entries } = await lab.api.rollouts.timeline({ id: created.id, serial: wrong });
    expect(entries.map((e) => e.step)).toEqual(['stage']);
    expect(entries[0]).toMatchObject({ state: 'failed', errorCode: 'E_SERIAL_MISMATCH' });
    expect(entries[0]!.message).toContain(other);
    const st = lab.fleet.appliance(other)!.status();
    expect(st.firmware.runningVersion).toBe(before.runningVersion);
    expect(st.firmware.slots).toEqual(before.slots);
    expect(st.serving).toBe('serving');
  }, 90_000);
});
