/**
 * The reference agent's state on a real Linux host: one folder (OCACTL_STATE_DIR, default
 * /var/lib/ocactl) holding agent.json (identity and clock), appliance.json (the model's state),
 * staging/ (where SFTP puts firmware images) and log/ocactl.log (the appliance log, rewritten after
 * each command, read over SFTP). Every `ocactl` run and every HTTP request loads the
 * model under a lock, acts, and saves it, so separate processes share one appliance.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ApplianceKind } from '../../appliance/contract';
import { createApplianceState, LabAppliance, type ApplianceState } from '../model/appliance';
import { LabClock } from '../model/clock';
import { createFactoryState } from '../model/factory';
import { planFleet } from '../plan';
import { writeAgentLog } from '../sftp-logs';

export const DEFAULT_AGENT_DIR = '/var/lib/ocactl';
export const STATE_DIR_ENV = 'OCACTL_STATE_DIR';

export const AgentConfig = z.object({
  serial: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
  model: ApplianceKind,
  hostname: z.string().min(1),
  timezone: z.string().min(1),
  speed: z.number().positive(),
  realStart: z.number(),
  labStart: z.number(),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

export function agentDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env[STATE_DIR_ENV] ?? DEFAULT_AGENT_DIR);
}

export interface AgentInit {
  serial?: string;
  model?: z.infer<typeof ApplianceKind>;
  timezone?: string;
  speed?: number;
  /** Factory-fresh (main/lab/model/factory.ts): SSH takes this factory password only, no key, no BGP, drained. */
  factoryPassword?: string;
}

/** Create the agent's folder and appliance if they do not exist yet; returns the config in force. */
export function initAgent(dir: string, init: AgentInit = {}): AgentConfig {
  mkdirSync(join(dir, 'staging'), { recursive: true, mode: 0o755 });
  const configPath = join(dir, 'agent.json');
  if (existsSync(configPath)) return AgentConfig.parse(JSON.parse(readFileSync(configPath, 'utf8')));
  const now = Date.now();
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'oca-agent';
  const config: AgentConfig = {
    serial: init.serial ?? `AGT-${host.split('.')[0]!.slice(0, 40)}`,
    model: init.model ?? 'storage',
    hostname: host,
    timezone: init.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
    speed: init.speed ?? 1,
    realStart: now,
    labStart: now,
  };
  const spec = planFleet(3, 1, 1).appliances.find((a) => a.kind === config.model)!;
  const applianceSpec = { ...spec, serial: config.serial, hostname: config.hostname, timezone: config.timezone, stagingDir: join(dir, 'staging'), logDir: join(dir, 'log') };
  const state = init.factoryPassword !== undefined ? createFactoryState(applianceSpec, init.factoryPassword, now) : createApplianceState(applianceSpec, now);
  writeAtomic(join(dir, 'appliance.json'), JSON.stringify(state));
  writeAtomic(configPath, JSON.stringify(config, null, 1));
  return config;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lock(dir: string): Promise<() => void> {
  const path = join(dir, '.lock');
  for (let waited = 0; ; waited += 10) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A holder that died, or one stuck for over a minute, does not keep the appliance forever.
      let stale = false;
      try {
        const pid = Number(readFileSync(join(path, 'pid'), 'utf8'));
        stale = Date.now() - statSync(path).mtimeMs > 60_000 || (pid > 0 && !alive(pid));
      } catch {
        stale = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 2_000;
      }
      if (stale) rmSync(path, { recursive: true, force: true });
      if (waited > 15_000) throw new Error(`the appliance state in ${dir} stays locked`);
      await sleep(10);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Load the appliance under the lock, run `fn`, save what it changed. */
export async function withAgentAppliance<T>(dir: string, fn: (appliance: LabAppliance, config: AgentConfig) => Promise<T>): Promise<T> {
  const config = AgentConfig.parse(JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')));
  const clock = new LabClock(config.speed, undefined, config.labStart, config.realStart);
  const release = await lock(dir);
  try {
    const state = JSON.parse(readFileSync(join(dir, 'appliance.json'), 'utf8')) as ApplianceState;
    const appliance = new LabAppliance(state, clock);
    const result = await fn(appliance, config);
    writeAtomic(join(dir, 'appliance.json'), JSON.stringify(appliance.state));
    // The log folder the host's sftp-server shows (read-only to the manager's file browser).
    if (appliance.state.logDir) writeAgentLog(appliance.state.logDir, appliance);
    return result;
  } finally {
    release();
  }
}
