/**
 * The file browser against the reference agent behind Debian's OpenSSH sshd (internal-sftp), where
 * the staging folder is a real folder that may hold what an appliance's own staging never should:
 * a symbolic link out of it and a subfolder. The engine asks the agent where its staging folder is
 * (`ocactl status`), lists it with those entries marked refused, and refuses to download or upload
 * through them with a sentence; plain files go both ways. The logs area is the agent's own log
 * folder (reported as logDir), listed and downloaded through the real sftp-server, never written.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { createEngine, type Engine } from '../../main/engine';
import type { ApiClient } from '../../main/api/client';
import { fingerprintOf } from '../../main/keys/host-key';
import { generateEd25519 } from '../../main/keys/openssh-keygen';
import { initAgent } from '../../main/lab/agent/store';
import { silentLogger } from '../../main/store/log';
import { openNodeVault } from '../../main/vault/node-vault';
import { startSshd, sshdUnavailable, type RunningSshd } from '../support/sshd';
import { tempDir } from '../support/temp-dir';

const AGENT_BIN = resolve(import.meta.dirname, '../../resources/agent');
const skipReason = sshdUnavailable();
if (skipReason) console.log(`SKIPPED the file browser against OpenSSH sshd: ${skipReason}`);

describe.skipIf(skipReason !== null)('file browser on the reference agent behind OpenSSH sshd', { timeout: 90_000 }, () => {
  const serial = 'AGT-FILES';
  let dir = '';
  let staging = '';
  let sshd: RunningSshd;
  let engine: Engine;
  let client: ApiClient;

  beforeAll(async () => {
    dir = tempDir('fleetdeck-terminal-files-');
    const stateDir = join(dir, 'ocactl');
    initAgent(stateDir, { serial });
    staging = join(stateDir, 'staging');
    writeFileSync(join(dir, 'secret.txt'), 'not for the file browser');
    symlinkSync(join(dir, 'secret.txt'), join(staging, 'escape.txt'));
    mkdirSync(join(staging, 'sub'));
    writeFileSync(join(staging, 'plain.img'), 'plain bytes');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir), log: silentLogger, checkOutputs: true });
    client = engine.client({ actor: 'test:files' });
    const fleetKey = await client.api.net.generateFleetKey({ comment: 'files' });
    const host = generateEd25519('files-host');
    sshd = await startSshd({
      hostKey: host.privateKey,
      authorizedKeys: [fleetKey.publicKey],
      env: { PATH: `${AGENT_BIN}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, OCACTL_STATE_DIR: stateDir },
      config: ['Subsystem sftp internal-sftp'],
    });
    const parsed = ssh2.utils.parseKey(host.publicKey);
    if (parsed instanceof Error) throw parsed;
    const fingerprint = fingerprintOf((Array.isArray(parsed) ? parsed[0]! : parsed).getPublicSSH());
    await client.api.net.updateSettings({ username: sshd.user });
    await client.api.inventory.upsertSite({
      code: 'AGT1', partner: 'Agent Test', asn: 64512, name: 'Agent site', city: 'Lab', country: 'DE', latitude: 50, longitude: 8,
      timezone: 'Europe/Berlin', maintenanceWindow: '02:00-04:00', fillWindow: '03:00-05:00',
    });
    await client.api.inventory.createAppliance({
      serial, hostname: 'agent.files.test', site: 'AGT1', model: 'storage', ipv4: '127.0.0.1', ipv6: null, sshPort: sshd.port, apiPort: 443,
      storageTb: 100, nicGbps: 10, firmware: '26.1.0', status: 'online', tags: [], notes: '',
    });
    await client.api.inventory.updateAppliance({ serial, patch: { hostKeyFingerprint: fingerprint } });
  }, 60_000);

  afterAll(async () => {
    engine?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the staging folder the agent reports, marking a symbolic link and a folder as refused', async () => {
    const listed = await client.api.terminal.listFiles({ serial });
    expect(listed.path).toBe(staging);
    const byName = new Map(listed.files.map((f) => [f.name, f]));
    expect(byName.get('plain.img')).toMatchObject({ size: 11, refused: null });
    expect(byName.get('escape.txt')?.refused).toMatch(/symbolic link/);
    expect(byName.get('sub')?.refused).toMatch(/folder/);
  });

  it('refuses to read or write through a symbolic link or a folder; plain files go both ways', async () => {
    await expect(client.api.terminal.download({ serial, name: 'escape.txt' })).rejects.toMatchObject({ code: 'E_FORBIDDEN', message: expect.stringMatching(/escape\.txt is a symbolic link/) });
    await expect(client.api.terminal.upload({ serial, name: 'escape.txt', offset: 0, data: Buffer.from('overwritten').toString('base64') })).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
    expect(readFileSync(join(dir, 'secret.txt'), 'utf8')).toBe('not for the file browser');
    await expect(client.api.terminal.download({ serial, name: 'sub' })).rejects.toMatchObject({ code: 'E_FORBIDDEN', message: expect.stringMatching(/not a plain file/) });
    await expect(client.api.terminal.download({ serial, name: '../secret.txt' })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    expect(Buffer.from((await client.api.terminal.download({ serial, name: 'plain.img' })).data, 'base64').toString()).toBe('plain bytes');
    await client.api.terminal.upload({ serial, name: 'notes.txt', offset: 0, data: Buffer.from('hello').toString('base64') });
    expect(readFileSync(join(staging, 'notes.txt'), 'utf8')).toBe('hello');
  });

  it('lists and downloads the logs the agent keeps (its own log folder, as it reports), and uploads nothing there', async () => {
    // Something the appliance logs: a drain, run through sshd like any job.
    const job = await client.api.jobs.exec({ selection: { serials: [serial] }, argv: ['ocactl', 'drain'], timeoutMs: 20_000 });
    expect((await client.api.jobs.wait({ id: job.id, timeoutMs: 40_000 })).state).toBe('done');
    const listed = await client.api.terminal.listFiles({ serial, area: 'logs' });
    expect(listed.path).toBe(join(dir, 'ocactl', 'log'));
    const log = listed.files.find((f) => f.name === 'ocactl.log');
    expect(log).toMatchObject({ refused: null });
    expect(log!.size).toBeGreaterThan(0);
    const got = Buffer.from((await client.api.terminal.download({ serial, area: 'logs', name: 'ocactl.log' })).data, 'base64').toString();
    // One line per entry, as the restricted shell's `cat /var/log/ocactl.log` prints them.
    expect(got).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (INFO |WARN |ERROR) \S+: .+\n/);
    expect(got).toMatch(/drain/i);
    await expect(client.api.terminal.upload({ serial, area: 'logs', name: 'ocactl.log', offset: 0, data: Buffer.from('forged').toString('base64') })).rejects.toMatchObject({ code: 'E_FORBIDDEN', message: expect.stringMatching(/read-only/) });
    expect(readFileSync(join(dir, 'ocactl', 'log', 'ocactl.log'), 'utf8')).not.toContain('forged');
  });
});
