/**
 * Provisioning against the reference agent behind Debian's real OpenSSH sshd, factory-fresh with a
 * factory PASSWORD login (tests/support/factory-sshd.ts: sshd in its own mount namespace, the login
 * user `oca` only there, PAM asking the agent). A real engine on a real SQLite file imports a site
 * survey of three such agents and provisions the site: the good one ends online, after which its
 * factory password no longer logs in through sshd (password and keyboard-interactive) and the
 * fleet key does (ssh2 and the real `ssh` client); a wrong serial and a wrong host-key fingerprint
 * in the survey stop exactly those two, which keep their factory logins and get no key.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../main/engine';
import { generateEd25519 } from '../../main/keys/openssh-keygen';
import { parseOcactlReply } from '../../main/appliance/replies';
import { sshExec } from '../../main/lab/testing';
import { FLEET_KEY } from '../../main/net/fleet-key';
import { agentSshdUnavailable, buildAgent, startFactoryAgent, type FactoryAgent } from '../support/factory-sshd';
import { memoryVault } from '../support/memory-vault';
import { tempDir } from '../support/temp-dir';
import type { Vault } from '../../main/vault/vault';

const skipReason = agentSshdUnavailable();
if (skipReason) console.log(`SKIPPED provisioning the reference agent behind OpenSSH sshd: ${skipReason}`);

type Method = 'password' | 'keyboard-interactive';

/** Try a password through sshd with one method only; resolves true when it logs in. */
function passwordLogsIn(port: number, password: string, method: Method): Promise<boolean> {
  return new Promise((resolve) => {
    const c = new ssh2.Client();
    let done = false;
    const end = (ok: boolean) => {
      if (done) return;
      done = true;
      c.end();
      resolve(ok);
    };
    c.on('ready', () => end(true));
    c.on('error', () => end(false));
    c.on('close', () => end(false));
    c.on('keyboard-interactive', (_n, _i, _l, prompts, finish) => finish(prompts.map(() => password)));
    c.connect({
      host: '127.0.0.1',
      port,
      username: 'oca',
      password,
      tryKeyboard: true,
      readyTimeout: 20_000,
      hostVerifier: () => true,
      // One method only: the other is not tried after it fails.
      authHandler: [method],
    });
  });
}

describe.skipIf(skipReason !== null)('provisioning the reference agent behind OpenSSH sshd (factory password)', { timeout: 300_000 }, () => {
  const agents: FactoryAgent[] = [];
  const keys = [generateEd25519('agt-good@factory'), generateEd25519('agt-serial@factory'), generateEd25519('agt-key@factory')];
  const other = generateEd25519('not-the-shipped-box');
  const passwords = keys.map(() => randomBytes(15).toString('base64url'));
  const serials = ['AGT-PROV-01', 'AGT-PROV-02', 'AGT-PROV-03'];
  let dir = '';
  let engine: Engine;
  let vault: Vault;

  beforeAll(async () => {
    buildAgent();
    dir = tempDir('fleetdeck-provision-sshd-');
    for (let i = 0; i < 3; i++) agents.push(await startFactoryAgent({ serial: serials[i]!, factoryPassword: passwords[i]!, hostKey: keys[i]!.privateKey }));
    vault = memoryVault();
    mkdirSync(join(dir, 'data'), { recursive: true });
    engine = createEngine({ dataDir: join(dir, 'data'), host: 'test', vault, checkOutputs: true });
  }, 120_000);

  afterAll(async () => {
    engine?.close();
    for (const a of agents) await a.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('provisions the good agent; its factory password stops working and the fleet key works; a wrong serial and a wrong fingerprint stop exactly those', async () => {
    const [good, wrongSerial, wrongKey] = agents as [FactoryAgent, FactoryAgent, FactoryAgent];
    // Factory-fresh through the real sshd: the password logs in (both methods), nothing else does.
    expect(await passwordLogsIn(good.sshPort, passwords[0]!, 'password'), good.log).toBe(true);
    expect(await passwordLogsIn(good.sshPort, passwords[0]!, 'keyboard-interactive'), good.log).toBe(true);
    expect(await passwordLogsIn(good.sshPort, passwords[1]!, 'password')).toBe(false);

    const row = (a: FactoryAgent, i: number) => ({
      serial: a.serial,
      model: 'storage',
      hostname: `oca0${i + 1}.agt1.example.net`,
      ipv4: '127.0.0.1',
      sshPort: a.sshPort,
      apiPort: a.apiPort,
      storageTb: 240,
      nicGbps: 100,
      serviceIpv4: `100.64.7.${11 + i}/24`,
      bgpNeighbor: '100.64.7.1',
      bgpNeighborAsn: 64777,
      hostKeyFingerprint: keys[i]!.fingerprint,
      factoryPassword: passwords[i]!,
    });
    const survey = {
      format: 'fleetdeck-site-survey',
      version: 1,
      partner: { name: 'Agent ISP', asn: 64777 },
      site: { code: 'agt1', partner: 'Agent ISP', asn: 64777, name: 'agt1 (agents behind OpenSSH)', city: 'Sao Paulo', country: 'BR', latitude: -23.5, longitude: -46.6, timezone: 'America/Sao_Paulo', maintenanceWindow: '02:00-06:00', fillWindow: '02:00-14:00' },
      appliances: [row(good, 0), { ...row(wrongSerial, 1), serial: 'AGT-SOMEONE-ELSE' }, { ...row(wrongKey, 2), hostKeyFingerprint: other.fingerprint }],
    };
    const client = engine.client({ actor: 'test:engineer' }).api;
    const imported = await client.provisioning.importSurvey({ content: JSON.stringify(survey), fileName: 'agt1.json' }).catch((err: Error & { details?: unknown }) => {
      throw new Error(`${err.message}: ${JSON.stringify(err.details)}`);
    });
    expect(imported).toMatchObject({ appliances: 3, credentials: 3 });
    const t0 = Date.now();
    const job = await client.provisioning.start({ site: 'agt1', acceptNew: false });
    const ended = await client.jobs.wait({ id: job.id, timeoutMs: 240_000 });
    console.log(`MEASURED: provisioning 3 agents behind OpenSSH sshd (1 online, 2 stopped): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(ended.state).not.toBe('running');
    const page = await client.jobs.results({ id: job.id, offset: 0, limit: 10 });
    const bySerial = new Map(page.items.map((r) => [r.serial, r]));
    expect(bySerial.get(good.serial), `${JSON.stringify(page.items)}\n${good.log}`).toMatchObject({ state: 'ok' });
    expect(bySerial.get('AGT-SOMEONE-ELSE')).toMatchObject({ state: 'failed', errorCode: 'E_SERIAL_MISMATCH' });
    expect(bySerial.get('AGT-SOMEONE-ELSE')?.errorMessage).toContain(wrongSerial.serial);
    expect(bySerial.get(wrongKey.serial)).toMatchObject({ state: 'failed', errorCode: 'E_HOSTKEY_MISMATCH' });
    expect(bySerial.get(wrongKey.serial)?.errorMessage).toContain(keys[2]!.fingerprint);

    // The good one: online with its factory key recorded, configured as surveyed.
    const stored = engine.inventory.appliance(good.serial);
    expect(stored).toMatchObject({ status: 'online', hostKeyFingerprint: keys[0]!.fingerprint });
    const view = await client.provisioning.site({ site: 'agt1' });
    expect(view.appliances.find((a) => a.serial === good.serial)).toMatchObject({ state: 'done', stepsDone: 7 });
    expect(view.appliances.find((a) => a.serial === wrongKey.serial)).toMatchObject({ state: 'failed', stepsDone: 1, status: 'awaiting-install' });

    // After provisioning the factory password no longer logs in through sshd; the fleet key does.
    expect(await passwordLogsIn(good.sshPort, passwords[0]!, 'password')).toBe(false);
    expect(await passwordLogsIn(good.sshPort, passwords[0]!, 'keyboard-interactive')).toBe(false);
    const fleetKey = (await vault.get(FLEET_KEY))!.toString('utf8');
    const viaKey = await sshExec({ port: good.sshPort, privateKey: fleetKey, username: 'oca', readyTimeout: 20_000 }, 'ocactl config get');
    expect(viaKey.code, viaKey.stdout + viaKey.stderr + good.log).toBe(0);
    expect(viaKey.hostFingerprint).toBe(keys[0]!.fingerprint);
    const config = parseOcactlReply('config get', viaKey.stdout);
    expect(config.hostname).toBe('oca01.agt1.example.net');
    expect(config.bgp.neighbor).toMatchObject({ address: '100.64.7.1', asn: 64777 });
    // The real OpenSSH client with the fleet key, too.
    if (existsSync('/usr/bin/ssh')) {
      const keyFile = join(dir, 'fleet_key');
      writeFileSync(keyFile, fleetKey.endsWith('\n') ? fleetKey : `${fleetKey}\n`, { mode: 0o600 });
      const ssh = spawnSync(
        '/usr/bin/ssh',
        ['-i', keyFile, '-p', String(good.sshPort), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', 'oca@127.0.0.1', 'ocactl access status'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect(ssh.status, ssh.stderr).toBe(0);
      expect(parseOcactlReply('access status', ssh.stdout)).toMatchObject({ passwordLogin: false });
    }

    // The two stopped ones were never logged into: factory password still works, no key installed.
    expect(await passwordLogsIn(wrongKey.sshPort, passwords[2]!, 'password')).toBe(true);
    expect(await passwordLogsIn(wrongSerial.sshPort, passwords[1]!, 'password')).toBe(true);
    for (const a of [wrongSerial, wrongKey]) {
      const denied = await sshExec({ port: a.sshPort, privateKey: fleetKey, username: 'oca', readyTimeout: 20_000 }, 'ocactl access status').catch((err: Error) => err);
      expect(denied).toBeInstanceOf(Error);
    }
  });
});
