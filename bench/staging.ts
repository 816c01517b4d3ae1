/**
 * Staging benchmark: one image (STAGING_MIB, default 512 MiB) to the reference agent behind
 * Debian's OpenSSH sshd on 127.0.0.1, by
 *   - Fleetdeck: stageImage over the SSH pool (pipelined SFTP writes, 8 x 256 KiB in flight, into `<name>.part`, rename,
 *     signature beside it) and the appliance's own sha256 of what landed (`ocactl firmware
 *     stage-check`, included in the time);
 *   - OpenSSH `sftp` (put) and `scp` (SFTP protocol since OpenSSH 9.0) of the same file,
 * in the same run, each into its own file in the staging folder. Prints one JSON object as its
 * last line: fleetdeck.seconds, sftp.seconds, scp.seconds and the ratios. Env: STAGING_MIB (512),
 * STAGING_CONCURRENCY (8), STAGING_CHUNK_KIB (256).
 */
import './loopback-only';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildFirmwareImage } from '../main/appliance/image';
import { stageImage } from '../main/firmware/staging';
import { initAgent } from '../main/lab/agent/store';
import { generateEd25519 } from '../main/keys/openssh-keygen';
import { SshPool } from '../main/net/ssh-pool';
import { startSshd, sshdUnavailable } from '../tests/support/sshd';
import { tempDir } from '../tests/support/temp-dir';

const MIB = Number(process.env['STAGING_MIB'] ?? 512);
const CONCURRENCY = Number(process.env['STAGING_CONCURRENCY'] ?? 8);
const CHUNK = Number(process.env['STAGING_CHUNK_KIB'] ?? 256) * 1024;
const AGENT_BIN = resolve(import.meta.dirname, '..', 'resources', 'agent');

const round = (x: number) => Math.round(x * 100) / 100;

/** An image of `mib` MiB written to `path` without holding it all in memory twice. */
async function writeImage(path: string, mib: number): Promise<{ bytes: number; sha256: string }> {
  const payload = randomBytes(mib * 1024 * 1024 - 200);
  const image = buildFirmwareImage('26.9.512', payload);
  await new Promise<void>((ok, fail) => createWriteStream(path).on('error', fail).end(image, ok));
  return { bytes: image.length, sha256: createHash('sha256').update(image).digest('hex') };
}

function run(program: string, args: string[], stdin: string): Promise<{ seconds: number; code: number | null; stderr: string }> {
  return new Promise((ok) => {
    const started = performance.now();
    const child = spawn(program, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => ok({ seconds: (performance.now() - started) / 1000, code, stderr }));
    child.stdin.end(stdin);
  });
}

async function main(): Promise<void> {
  const why = sshdUnavailable();
  if (why) {
    process.stdout.write(JSON.stringify({ bench: 'staging', skipped: why }) + '\n');
    return;
  }
  const dir = tempDir('fleetdeck-bench-staging-');
  const stateDir = join(dir, 'ocactl');
  const client = generateEd25519('bench-staging');
  const host = generateEd25519('bench-staging-host');
  const result: Record<string, unknown> = { bench: 'staging', machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' }, mib: MIB };
  const sshd = await startSshd({
    hostKey: host.privateKey,
    authorizedKeys: [client.publicKey],
    env: { PATH: `${AGENT_BIN}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, OCACTL_STATE_DIR: stateDir },
    config: ['Subsystem sftp internal-sftp'],
  });
  const pool = new SshPool({ auth: { kind: 'fleet-key', load: async () => ({ privateKey: Buffer.from(client.privateKey) }) }, hostKeys: { verify: async () => undefined } });
  try {
    initAgent(stateDir, { serial: 'AGT-BENCH' });
    const imagePath = join(dir, 'fw.img');
    const image = await writeImage(imagePath, MIB);
    const staging = join(stateDir, 'staging');

    const started = performance.now();
    let uploadedAt = started;
    const staged = await stageImage(
      pool,
      { target: { label: 'AGT-BENCH', host: '127.0.0.1', port: sshd.port, username: sshd.user }, via: [] },
      { localPath: imagePath, signature: Buffer.from('bench\n'), sizeBytes: image.bytes, sha256: image.sha256, remoteDir: staging, name: 'by-fleetdeck.img' },
      { concurrency: CONCURRENCY, chunkBytes: CHUNK, checkTimeoutMs: 600_000, onProgress: (bytes, total) => void (bytes === total && (uploadedAt = performance.now())) },
    );
    const fleetdeckSeconds = (performance.now() - started) / 1000;
    result['fleetdeck'] = { seconds: round(fleetdeckSeconds), uploadSeconds: round((uploadedAt - started) / 1000), sha256Verified: staged.sha256 === image.sha256, concurrency: CONCURRENCY, chunkKiB: CHUNK / 1024 };
    rmSync(join(staging, 'by-fleetdeck.img'), { force: true });

    const keyFile = join(dir, 'id_ed25519');
    writeFileSync(keyFile, client.privateKey);
    chmodSync(keyFile, 0o600);
    const common = ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];
    const sftp = await run('sftp', ['-b', '-', '-P', String(sshd.port), ...common, `${sshd.user}@127.0.0.1`], `put ${imagePath} ${staging}/by-sftp.img\n`);
    result['sftp'] = { seconds: round(sftp.seconds), ok: sftp.code === 0 && statSync(join(staging, 'by-sftp.img')).size === image.bytes, note: 'upload only, no checksum' };
    rmSync(join(staging, 'by-sftp.img'), { force: true });
    const scp = await run('scp', ['-P', String(sshd.port), ...common, imagePath, `${sshd.user}@127.0.0.1:${staging}/by-scp.img`], '');
    result['scp'] = { seconds: round(scp.seconds), ok: scp.code === 0 && statSync(join(staging, 'by-scp.img')).size === image.bytes, note: 'upload only, no checksum' };
    result['ratios'] = {
      note: 'peer seconds / Fleetdeck seconds (higher = Fleetdeck faster; Fleetdeck includes the appliance sha256)',
      sftpOverFleetdeck: round(sftp.seconds / fleetdeckSeconds),
      scpOverFleetdeck: round(scp.seconds / fleetdeckSeconds),
    };
  } finally {
    pool.close();
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:staging failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
