/**
 * The appliance's logs over SFTP, read-only: the log folder (DEFAULT_LOG_DIR, /var/log) holds
 * `ocactl.log`, the appliance log as `cat /var/log/ocactl.log` shows it in the restricted shell,
 * made afresh from the model's log each time the folder is listed or the file opened. The lab's SFTP
 * subsystem (sftp-staging.ts) serves it beside the staging area; nothing in it can be written. The
 * reference agent keeps the same file on disk (`writeAgentLog`) for the host's own sftp-server.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LOG_DIR, type LogEntry } from '../appliance/contract';
import type { LabAppliance } from './model/appliance';

export const LOG_FILE = 'ocactl.log';
/** Entries the file holds (the newest). */
const LOG_ENTRIES = 1000;

/** A read-only folder of generated files. */
export interface LogArea {
  /** The path clients see. */
  readonly virtualDir: string;
  /** The files as they are now (name → contents, with the time they were last written). */
  files(): Map<string, { data: Buffer; mtimeMs: number }>;
}

/** One line per entry, as the restricted shell's `cat` prints them. */
export function renderLog(entries: readonly LogEntry[]): string {
  return entries.map((e) => `${e.at} ${e.level.toUpperCase().padEnd(5)} ${e.component}: ${e.message}\n`).join('');
}

export function applianceLogArea(appliance: LabAppliance): LogArea {
  return {
    virtualDir: DEFAULT_LOG_DIR,
    files: () => {
      const entries = appliance.logs({ limit: LOG_ENTRIES });
      const last = entries.at(-1);
      return new Map([[LOG_FILE, { data: Buffer.from(renderLog(entries)), mtimeMs: last ? Date.parse(last.at) : 0 }]]);
    },
  };
}

/** The reference agent: its log folder on disk, rewritten after each command (atomically). */
export function writeAgentLog(logDir: string, appliance: LabAppliance): void {
  mkdirSync(logDir, { recursive: true, mode: 0o755 });
  const path = join(logDir, LOG_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, renderLog(appliance.logs({ limit: LOG_ENTRIES })), { mode: 0o644 });
  renameSync(tmp, path);
}
