/**
 * A hostile appliance for tests: a bare ssh2 server on 127.0.0.1 that any login opens, enrolled in
 * an engine's inventory with its host key recorded (a site and a genuine `ocactl status` reply
 * taken from a one-appliance lab). Each test hands it the behaviour it probes: what an exec
 * channel does, what an SFTP session does, what an interactive shell does. `ocactl status` is
 * answered as the appliance itself unless `exec` takes it.
 */
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { Server as SshServer, ServerChannel, SFTPWrapper } from 'ssh2';
import { mkdirSync } from 'node:fs';
import { createEngine, type Engine } from '../../main/engine';
import type { ApiClient } from '../../main/api/client';
import type { HostKind } from '../../main/kit/context';
import { silentLogger } from '../../main/store/log';
import { openNodeVault } from '../../main/vault/node-vault';
import { LabFleet } from '../../main/lab/fleet';
import { fingerprintOf } from '../../main/keys/host-key';
import { sshPair } from '../../main/keys/openssh-keygen';
import { APPLIANCE_API_VERSION } from '../../main/appliance/contract';
import { labApplianceInput } from './lab-inventory';

/** A fresh engine on `<root>/data` with a fleet key (what reaching any appliance needs), and a client as test:alice. */
export async function engineWithFleetKey(root: string, host: HostKind = 'test'): Promise<{ engine: Engine; api: ApiClient['api'] }> {
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { recursive: true });
  const engine = createEngine({ dataDir, host, vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger, checkOutputs: true });
  const api = engine.client({ actor: 'test:alice' }).api;
  await api.net.generateFleetKey({ comment: 'fleetdeck-test' });
  return { engine, api };
}

export interface HostileBehaviour {
  /** An exec channel; return false to let the default (`ocactl status` as this appliance, else exit 127) answer. */
  exec?(command: string, channel: ServerChannel): boolean;
  sftp?(sftp: SFTPWrapper): void;
  shell?(channel: ServerChannel): void;
}

export interface HostileAppliance {
  serial: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the server and enrolls it in `engine` as `serial` (a lab run in `dir` lends the site and status). */
export async function hostileAppliance(engine: Engine, dir: string, serial: string, behaviour: HostileBehaviour): Promise<HostileAppliance> {
  const fleet = await LabFleet.start({ dir: join(dir, 'lab'), appliances: 1, sites: 1, seed: 5, speed: 1, authorizedKeys: '' });
  const manifest = fleet.manifestAppliances()[0]!;
  const status = { ...fleet.appliance(manifest.serial)!.status(), serial };
  const site = fleet.plan.sites[0]!;
  await fleet.stop();

  const hostKey = sshPair().private;
  const server: SshServer = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => {});
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('window-change', (accept) => accept?.());
        session.on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          channel.on('error', () => {});
          if (behaviour.exec?.(info.command, channel)) return;
          if (info.command === 'ocactl status') channel.write(`${JSON.stringify({ api: APPLIANCE_API_VERSION, ok: true, command: 'status', result: status })}\n`);
          channel.exit(info.command === 'ocactl status' ? 0 : 127);
          channel.end();
        });
        session.on('shell', (acceptShell) => {
          const channel = acceptShell();
          channel.on('error', () => {});
          if (behaviour.shell) behaviour.shell(channel);
          else channel.end();
        });
        session.on('sftp', (acceptSftp, reject) => {
          if (!behaviour.sftp) return reject();
          behaviour.sftp(acceptSftp());
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const parsed = ssh2.utils.parseKey(hostKey);
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  if (key instanceof Error) throw key;
  engine.inventory.upsertSite(site, 'test');
  engine.inventory.createAppliance({ ...labApplianceInput(manifest), serial, sshPort: port }, 'test');
  engine.inventory.updateAppliance(serial, { hostKeyFingerprint: fingerprintOf(key.getPublicSSH()) }, 'test');
  return {
    serial,
    port,
    /** After the engine closed (a connection it still holds keeps the server's close waiting). */
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
