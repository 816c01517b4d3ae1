/**
 * A whole lab in this process: the fleet, its control API and the published state.json. The lab
 * daemon is this plus signal handling; tests and the benchmark run it directly.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Clock } from '../kit/time';
import { startControlServer } from './control';
import { LabFleet, LAB_HOST } from './fleet';
import { STATE_FILE, TOKEN_FILE, type LabConfig, type LabManifest } from './manifest';

export interface LabRuntime {
  readonly fleet: LabFleet;
  readonly manifest: LabManifest;
  readonly token: string;
  /** Resolves when the lab has stopped (by stop() or the control API). */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

export async function startLabRuntime(dir: string, config: LabConfig, options: { clock?: Clock } = {}): Promise<LabRuntime> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const startedAt = new Date().toISOString();
  const fleet = await LabFleet.start({
    dir,
    appliances: config.appliances,
    sites: config.sites,
    seed: config.seed,
    speed: config.speed,
    authorizedKeys: config.authorizedKeys.join('\n'),
    stagingCapBytes: config.stagingCapBytes,
    releaseKeys: config.releaseKeys,
    slowDelayMs: config.slowDelayMs,
    clock: options.clock,
  });
  const token = randomBytes(32).toString('hex');
  writeFileSync(join(dir, TOKEN_FILE), token + '\n', { mode: 0o600 });

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | null = null;
  let control: Server | null = null;
  const stop = () => {
    stopping ??= (async () => {
      rmSync(join(dir, STATE_FILE), { force: true });
      await fleet.stop();
      await new Promise<void>((resolve) => {
        if (!control) return resolve();
        control.close(() => resolve());
        control.closeAllConnections();
      });
      rmSync(join(dir, TOKEN_FILE), { force: true });
      resolveStopped();
    })();
    return stopping;
  };

  const started = await startControlServer({ fleet, token, startedAt, speed: config.speed, onStop: () => void stop() });
  control = started.server;
  const manifest: LabManifest = {
    version: 1,
    pid: process.pid,
    controlPort: started.port,
    host: LAB_HOST,
    startedAt,
    speed: config.speed,
    seed: config.seed,
    partners: fleet.plan.partners,
    sites: fleet.plan.sites,
    appliances: fleet.manifestAppliances(),
  };
  const tmp = join(dir, `${STATE_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(manifest, null, 1), { mode: 0o600 });
  renameSync(tmp, join(dir, STATE_FILE));
  return { fleet, manifest, token, stopped, stop };
}
