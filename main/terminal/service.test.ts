/**
 * Terminals and the file browser through the real engine against a real lab fleet (ssh2 servers on
 * 127.0.0.1 with the restricted appliance shell), one appliance through a bastion: output reaches
 * the window that opened the session and no other, input and resize work, a window that goes away
 * closes its sessions, sessions are audited without their input, broadcast needs the count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine } from '../engine';
import type { ApiClient } from '../api/client';
import { silentLogger } from '../store/log';
import { openNodeVault } from '../vault/node-vault';
import { LabFleet } from '../lab/fleet';
import { startTestSshServer, type TestSshServer } from '../net/test-ssh-server';
import { enrollLabFleet } from '../../tests/support/lab-inventory';
import { tempDir } from '../../tests/support/temp-dir';
import { until } from '../../tests/support/wait';

describe('terminals on lab appliances', { timeout: 60_000 }, () => {
  const root = tempDir('fleetdeck-terminal-');
  const dataDir = join(root, 'data');
  let engine: Engine;
  let a: ApiClient;
  let b: ApiClient;
  let fleet: LabFleet;
  let bastion: TestSshServer;
  let serials: string[] = [];
  /** Output seen by each window, per session. */
  const seen = { a: new Map<string, string>(), b: new Map<string, string>() };
  const closed = new Map<string, { exitCode: number | null; reason: string }>();

  const watch = (client: ApiClient, into: Map<string, string>) => {
    client.on('terminal.output', ({ sessionId, data }) => into.set(sessionId, (into.get(sessionId) ?? '') + data));
    client.on('terminal.closed', (e) => closed.set(e.sessionId, e));
  };

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir), log: silentLogger, checkOutputs: true });
    a = engine.client({ actor: 'test:alice' });
    b = engine.client({ actor: 'test:bob' });
    watch(a, seen.a);
    watch(b, seen.b);
    const key = await a.api.net.generateFleetKey({ comment: 'fleetdeck-test' });
    fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 4, sites: 2, seed: 3, speed: 1, authorizedKeys: key.publicKey });
    serials = enrollLabFleet(engine.inventory, fleet, { recordHostKeys: true });
    bastion = await startTestSshServer({ authorizedKeys: [key.publicKey] });
  });

  afterAll(async () => {
    engine?.close();
    await fleet?.stop();
    await bastion?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const outputOf = (window: 'a' | 'b', id: string) => seen[window].get(id) ?? '';
  const waitFor = (window: 'a' | 'b', id: string, pattern: RegExp) => until(() => pattern.test(outputOf(window, id)), `${pattern} in the terminal`, { timeoutMs: 10_000 });

  it('runs ocactl in the appliance shell; output goes to the opening window only', async () => {
    const s = await a.api.terminal.open({ serial: serials[0]!, cols: 100, rows: 30 });
    expect(s).toMatchObject({ serial: serials[0], cols: 100, rows: 30, via: [] });
    await waitFor('a', s.sessionId, /\$ $/);
    await a.api.terminal.write({ sessionId: s.sessionId, data: 'ocactl status\r' });
    await waitFor('a', s.sessionId, new RegExp(`"serial":"${serials[0]}"`));
    // Line editing: a typo erased with backspace, then a command the shell does not run.
    await a.api.terminal.write({ sessionId: s.sessionId, data: 'uptimx\x7fe\r' });
    await waitFor('a', s.sessionId, /up \d/);
    await a.api.terminal.write({ sessionId: s.sessionId, data: 'rm -rf /\r' });
    await waitFor('a', s.sessionId, /rm: not available in this restricted shell/);
    expect(seen.b.has(s.sessionId)).toBe(false);
    // The other window cannot type into it, resize it or close it.
    await expect(b.api.terminal.write({ sessionId: s.sessionId, data: 'exit\r' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(b.api.terminal.resize({ sessionId: s.sessionId, cols: 10, rows: 10 })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    expect(await b.api.terminal.close({ sessionId: s.sessionId })).toEqual({ closed: false });
    expect((await a.api.terminal.list({})).map((t) => t.sessionId)).toEqual([s.sessionId]);
    expect(await b.api.terminal.list({})).toEqual([]);
    await a.api.terminal.write({ sessionId: s.sessionId, data: 'exit 3\r' });
    await until(() => closed.has(s.sessionId), 'the session to close');
    expect(closed.get(s.sessionId)).toMatchObject({ exitCode: 3 });
    const audit = engine.deps.audit.list({ appliance: serials[0]!, limit: 10 });
    const close = audit.find((e) => e.action === 'terminal.close');
    expect(close).toMatchObject({ actor: 'test:alice', details: { sessionId: s.sessionId, exitCode: 3 } });
    expect(typeof close!.details.durationMs).toBe('number');
    expect(audit.find((e) => e.action === 'terminal.open')).toMatchObject({ actor: 'test:alice', details: { transcript: false } });
    // Input is never in the audit log.
    expect(JSON.stringify(audit)).not.toContain('uptime');
  });

  it('resizes the pty the shell runs on', async () => {
    const s = await a.api.terminal.open({ serial: serials[1]!, cols: 80, rows: 24 });
    await waitFor('a', s.sessionId, /\$ $/);
    await a.api.terminal.write({ sessionId: s.sessionId, data: 'stty size\r' });
    await waitFor('a', s.sessionId, /\r\n24 80\r\n/);
    await a.api.terminal.resize({ sessionId: s.sessionId, cols: 132, rows: 50 });
    expect((await a.api.terminal.list({})).find((t) => t.sessionId === s.sessionId)).toMatchObject({ cols: 132, rows: 50 });
    await a.api.terminal.write({ sessionId: s.sessionId, data: 'stty size\r' });
    await waitFor('a', s.sessionId, /\r\n50 132\r\n/);
    await a.api.terminal.close({ sessionId: s.sessionId });
    await until(() => closed.has(s.sessionId), 'the session to close');
  });

  it('closes the sessions of a window that goes away', async () => {
    const c = engine.client({ actor: 'test:carol' });
    const s = await c.api.terminal.open({ serial: serials[2]! });
    c.close();
    await until(() => engine.deps.audit.list({ appliance: serials[2]!, action: ['terminal.close'], limit: 5 }).length > 0, 'the close to be audited');
    expect(engine.deps.audit.list({ appliance: serials[2]!, action: ['terminal.close'], limit: 5 })[0]).toMatchObject({
      actor: 'test:carol',
      details: { sessionId: s.sessionId, reason: 'the window closed' },
    });
  });

  it('broadcasts only with the targets counted back, and keeps a transcript only when asked', async () => {
    await a.api.terminal.updateSettings({ transcript: true });
    const one = await a.api.terminal.open({ serial: serials[0]! });
    const two = await a.api.terminal.open({ serial: serials[1]! });
    await waitFor('a', one.sessionId, /\$ $/);
    await waitFor('a', two.sessionId, /\$ $/);
    await expect(a.api.terminal.broadcast({ sessionIds: [one.sessionId, two.sessionId], data: 'hostname\r', confirm: 1 })).rejects.toMatchObject({ code: 'E_CONFIRM' });
    expect(await a.api.terminal.broadcast({ sessionIds: [one.sessionId, two.sessionId], data: 'hostname\r', confirm: 2 })).toEqual({ sent: [serials[0], serials[1]] });
    const hostnames = fleet.manifestAppliances();
    await waitFor('a', one.sessionId, new RegExp(`\\r\\n${hostnames.find((h) => h.serial === serials[0])!.hostname}\\r\\n`));
    await waitFor('a', two.sessionId, new RegExp(`\\r\\n${hostnames.find((h) => h.serial === serials[1])!.hostname}\\r\\n`));
    await a.api.terminal.close({ sessionId: one.sessionId });
    await a.api.terminal.close({ sessionId: two.sessionId });
    await a.api.terminal.updateSettings({ transcript: false });
    const files = readdirSync(join(dataDir, 'transcripts'));
    expect(files.filter((f) => f.includes(one.sessionId))).toHaveLength(1);
    expect(readFileSync(join(dataDir, 'transcripts', files.find((f) => f.includes(one.sessionId))!), 'utf8')).toContain('restricted appliance shell');
  });

  it('reaches an appliance through a jump host with its host key checked', async () => {
    const serial = serials[3]!;
    await a.api.net.upsertJumpHost({ name: 'gw-term', host: '127.0.0.1', port: bastion.port, username: 'jump', hostKeyFingerprint: bastion.hostKeyFingerprint });
    await a.api.net.setRoute({ scope: 'appliance', key: serial, jumpHost: 'gw-term' });
    try {
      const s = await a.api.terminal.open({ serial });
      expect(s.via).toEqual(['bastion:gw-term']);
      await a.api.terminal.write({ sessionId: s.sessionId, data: 'ocactl status\r' });
      await waitFor('a', s.sessionId, new RegExp(`"serial":"${serial}"`));
      expect(bastion.stats.forwards.length).toBeGreaterThan(0);
      await a.api.terminal.close({ sessionId: s.sessionId });
    } finally {
      await a.api.net.setRoute({ scope: 'appliance', key: serial, jumpHost: null });
    }
  });

  it('refuses an appliance whose host key is not the recorded one', async () => {
    // serials[3] was reached only through the bastion so far: this is a new direct connection.
    fleet.setFault(serials[3]!, 'host-key-rotation', true);
    try {
      await expect(a.api.terminal.open({ serial: serials[3]! })).rejects.toMatchObject({ code: 'E_HOSTKEY_MISMATCH' });
    } finally {
      fleet.setFault(serials[3]!, 'host-key-rotation', false);
    }
  });

  it('uploads, lists and downloads files in the staging area; hostile names are refused with a sentence', async () => {
    const serial = serials[0]!;
    const body = Buffer.from('x'.repeat(300_000) + 'end');
    const half = 150_000;
    await a.api.terminal.upload({ serial, name: 'notes.txt', offset: 0, data: body.subarray(0, half).toString('base64') });
    const done = await a.api.terminal.upload({ serial, name: 'notes.txt', offset: half, data: body.subarray(half).toString('base64') });
    expect(done).toEqual({ name: 'notes.txt', size: body.length });
    const listed = await a.api.terminal.listFiles({ serial });
    expect(listed.path).toBe('/var/lib/ocactl/staging');
    expect(listed.files.find((f) => f.name === 'notes.txt')).toMatchObject({ size: body.length, refused: null });
    const got = await a.api.terminal.download({ serial, name: 'notes.txt' });
    expect(Buffer.from(got.data, 'base64').equals(body)).toBe(true);
    for (const name of ['../../etc/passwd', '/etc/passwd', '..', '.hidden', 'a/b', 'bad\nname', '']) {
      await expect(a.api.terminal.download({ serial, name })).rejects.toMatchObject({ code: 'E_VALIDATION', message: expect.stringMatching(/is not a plain file name in \/var\/lib\/ocactl\/staging/) });
      await expect(a.api.terminal.upload({ serial, name, offset: 0, data: '' })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    }
    await expect(a.api.terminal.upload({ serial, name: 'notes.txt', offset: 5, data: 'AAAA' })).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await expect(a.api.terminal.download({ serial, name: 'missing.img' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('lists and downloads the appliance log in the logs area, read-only over SFTP', async () => {
    const serial = serials[1]!;
    // Something the appliance logs: a drain.
    await a.api.jobs.exec({ selection: { serials: [serial] }, argv: ['ocactl', 'drain'], timeoutMs: 10_000 }).then((job) => a.api.jobs.wait({ id: job.id, timeoutMs: 30_000 }));
    const listed = await a.api.terminal.listFiles({ serial, area: 'logs' });
    expect(listed.path).toBe('/var/log');
    expect(listed.files).toEqual([expect.objectContaining({ name: 'ocactl.log', refused: null })]);
    expect(listed.files[0]!.size).toBeGreaterThan(0);
    const got = Buffer.from((await a.api.terminal.download({ serial, area: 'logs', name: 'ocactl.log' })).data, 'base64').toString();
    expect(got).toMatch(/drain/i);
    expect(got.split('\n')[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (INFO |WARN |ERROR) \S+: /);
    await expect(a.api.terminal.upload({ serial, area: 'logs', name: 'ocactl.log', offset: 0, data: 'AAAA' })).rejects.toMatchObject({ code: 'E_FORBIDDEN', message: expect.stringMatching(/read-only/) });
    await expect(a.api.terminal.download({ serial, area: 'logs', name: 'syslog' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    // The staging area is still the staging area.
    expect((await a.api.terminal.listFiles({ serial })).path).toBe('/var/lib/ocactl/staging');
  });
});
