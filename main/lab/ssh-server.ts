/**
 * A lab appliance's SSH side: an ssh2 Server with the appliance's own ed25519 host key, public-key
 * login as `oca` against the lab's authorized keys, `ocactl` over exec and the staging area over
 * SFTP. The ssh2 Server object is made on the first connection (a thousand idle appliances do not
 * pay for it); sockets arrive from the port listener after connection faults were applied.
 */
import type { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, ServerChannel } from 'ssh2';
import { APPLIANCE_LOGIN_USER } from '../appliance/contract';
import type { ReleaseKey } from '../appliance/sshsig';
import { withKeyObjects } from '../keys/ssh-key-objects';
import type { LabAppliance } from './model/appliance';
import { authenticateFactory } from './factory-auth';
import { runOcactl, splitCommandLine } from './ocactl';
import { delay, DEFAULT_SLOW_DELAY_MS } from './reply-faults';
import { serveStagingSftp, type StagingArea } from './sftp-staging';
import { applianceLogArea } from './sftp-logs';
import { listStagingFiles, serveShell } from './shell-channel';
import type { ShellHost } from './shell';

export const SSH_IDENT = 'OpenSSH_9.2p1 Fleetdeck-lab';

export interface SshFrontOptions {
  /** Public keys allowed to log in (the fleet key and any extra keys). Shared by the whole lab. */
  authorizedKeys: () => readonly ParsedKey[];
  slowDelayMs?: number;
  /** Release keys `ocactl firmware activate` verifies image signatures with (none: no check). */
  releaseKeys?: readonly ReleaseKey[];
}

/** Parse authorized_keys text (one key per line, # comments) into ssh2 keys; bad lines are reported. */
export function parseAuthorizedKeys(text: string): { keys: ParsedKey[]; problems: string[] } {
  const keys: ParsedKey[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parsed = ssh2.utils.parseKey(line);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error) problems.push(`line ${i + 1}: not an OpenSSH public key`);
    else keys.push(withKeyObjects(key));
  });
  return { keys, problems };
}

function authenticate(ctx: AuthContext, keys: readonly ParsedKey[]): void {
  if (ctx.username !== APPLIANCE_LOGIN_USER || ctx.method !== 'publickey') return ctx.reject(['publickey']);
  const offered = ctx.key.data;
  const key = keys.find((k) => k.getPublicSSH().equals(offered));
  if (!key) return ctx.reject(['publickey']);
  if (!ctx.signature || !ctx.blob) return ctx.accept();
  if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
  ctx.accept();
}

export class ApplianceSsh {
  private server: ssh2.Server | null = null;
  private rotatedServer: ssh2.Server | null = null;
  private rotatedKey: string | null = null;

  constructor(
    private readonly appliance: LabAppliance,
    private readonly hostKey: string,
    /** Makes the key shown under `host-key-rotation` (generated when first needed). */
    private readonly makeRotatedKey: () => string,
    private readonly staging: StagingArea,
    private readonly options: SshFrontOptions,
  ) {}

  /** Take over a TCP connection that passed the connection faults. */
  accept(socket: Socket): void {
    const rotated = this.appliance.hasFault('host-key-rotation');
    const server = rotated ? this.rotated() : (this.server ??= this.makeServer(this.hostKey));
    // As sshd does for sessions: small packets leave at once instead of waiting on Nagle.
    socket.setNoDelay(true);
    server.injectSocket(socket);
  }

  private rotated(): ssh2.Server {
    this.rotatedKey ??= this.makeRotatedKey();
    this.rotatedServer ??= this.makeServer(this.rotatedKey);
    return this.rotatedServer;
  }

  private makeServer(hostKey: string): ssh2.Server {
    // Parsed here once, signing each handshake through a KeyObject (see ssh-key-objects.ts).
    const parsed = ssh2.utils.parseKey(hostKey);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error) throw new Error(`lab host key of ${this.appliance.state.serial} is unreadable`);
    return new ssh2.Server({ hostKeys: [{ key: withKeyObjects(key) }], ident: SSH_IDENT }, (client) => this.serve(client));
  }

  private serve(client: Connection): void {
    // ssh2 keeps the socket private; reach it to cut a connection abruptly for the `drop` fault.
    const socket = (client as unknown as { _sock?: Socket })._sock;
    const drop = () => (socket ? socket.destroy() : client.end());
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      // A factory-fresh appliance has its own logins (factory password, keys installed on it).
      const access = this.appliance.state.access;
      if (access) authenticateFactory(ctx, access);
      else authenticate(ctx, this.options.authorizedKeys());
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        // A terminal: the restricted appliance shell (main/lab/shell.ts) on a pty the client sized.
        let pty: { cols: number; rows: number } | null = null;
        session.on('pty', (accept, _reject, info) => {
          pty = { cols: info.cols, rows: info.rows };
          accept?.();
        });
        session.on('window-change', (accept, _reject, info) => {
          if (pty) pty = { cols: info.cols, rows: info.rows };
          accept?.();
        });
        session.on('shell', (accept) => {
          if (this.appliance.isDown() || this.appliance.hasFault('unreachable')) return void drop();
          serveShell(accept(), pty !== null, { ...this.shellHost(), ptySize: () => pty });
        });
        session.on('env', (accept) => accept?.());
        session.on('exec', (accept, _reject, info) => {
          const channel = accept();
          void this.exec(channel, info.command, client, drop);
        });
        session.on('sftp', (accept) => {
          if (this.appliance.isDown() || this.appliance.hasFault('unreachable')) return void drop();
          const sftp = accept();
          serveStagingSftp(sftp, { area: this.staging, faults: () => this.appliance.faults, dropConnection: drop, logs: applianceLogArea(this.appliance) });
        });
      });
    });
  }

  private shellHost(): ShellHost {
    return {
      ocactl: (argv) => runOcactl({ appliance: this.appliance, stagingDisk: this.staging.disk, releaseKeys: this.options.releaseKeys }, argv),
      listStaging: () => listStagingFiles(this.staging.disk),
    };
  }

  private async exec(channel: ServerChannel, command: string, client: Connection, drop: () => void): Promise<void> {
    // A pooled connection sees faults and reboots that began after it was opened.
    if (this.appliance.isDown() || this.appliance.hasFault('unreachable')) return void drop();
    if (this.appliance.hasFault('stall')) return;
    const words = splitCommandLine(command);
    const program = words?.[0];
    if (!words || !program || (program !== 'ocactl' && !program.endsWith('/ocactl'))) {
      channel.stderr.write(`sh: 1: ${program ?? command.slice(0, 40)}: not found\n`);
      channel.exit(127);
      channel.end();
      return;
    }
    const out = await runOcactl({ appliance: this.appliance, stagingDisk: this.staging.disk, releaseKeys: this.options.releaseKeys }, words.slice(1));
    const faults = this.appliance.faults;
    if (faults.includes('slow')) await delay(this.options.slowDelayMs ?? DEFAULT_SLOW_DELAY_MS);
    if (faults.includes('drop')) {
      const half = Buffer.from(out.stdout).subarray(0, Math.floor(Buffer.byteLength(out.stdout) / 2));
      channel.write(half, () => drop());
      return;
    }
    if (out.stderr) channel.stderr.write(out.stderr);
    channel.write(out.stdout);
    channel.exit(out.exitCode);
    channel.end();
    // A reboot takes the appliance down: the connection goes with it once the reply is out.
    if (this.appliance.isDown()) setTimeout(() => client.end(), 50);
  }
}
