/**
 * Offline snapshots: one SQLite file made by an online backup of the fleet database, with every
 * table but the secret-bearing ones (optionally only some appliances), and a record of when, where
 * and by whom it was taken. Opened read-only (`fleetdeck serve --snapshot FILE`), compared with
 * another (`fleetdeck snapshot diff A B`). docs/snapshots.md.
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { ApplianceQuery } from '../inventory/contract';
import { HealthStatus } from '../appliance/contract';

/** The format name stored in every snapshot; a file without it is not one. */
export const SNAPSHOT_FORMAT = 'fleetdeck-snapshot/1';

export const SnapshotWhere = ApplianceQuery.omit({ sort: true, dir: true, offset: true, limit: true });
export type SnapshotWhere = z.output<typeof SnapshotWhere>;

export const SnapshotInfo = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  /** When the backup was taken (ISO 8601, UTC). */
  takenAt: z.string(),
  /** Who took it (the actor, as in the audit log). */
  takenBy: z.string(),
  /** Where: the machine's host name and the data directory it was taken from. */
  hostName: z.string(),
  dataDir: z.string(),
  /** The filter it was limited to (null: the whole fleet), as given. */
  where: z.string().nullable(),
  fleetdeckVersion: z.string(),
  schemaVersion: z.number().int(),
  appliances: z.number().int(),
  sites: z.number().int(),
  /** Tables left out because they may hold secrets (none today; docs/snapshots.md). */
  excludedTables: z.array(z.string()),
});
export type SnapshotInfo = z.infer<typeof SnapshotInfo>;

/** What this engine shows: a live fleet (null) or a snapshot, with where its file is. */
export const CurrentSnapshot = SnapshotInfo.extend({ file: z.string() }).nullable();
export type CurrentSnapshot = z.infer<typeof CurrentSnapshot>;

export const ApplianceChange = z.object({
  serial: z.string(),
  site: z.string(),
  /** Each inventory field that differs: from (in A), to (in B). */
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
});
export type ApplianceChange = z.infer<typeof ApplianceChange>;

const Side = z.object({ file: z.string(), takenAt: z.string(), takenBy: z.string(), hostName: z.string(), appliances: z.number().int() });

export const SnapshotDiff = z.object({
  a: Side,
  b: Side,
  inventory: z.object({
    added: z.array(z.object({ serial: z.string(), site: z.string(), model: z.string(), firmware: z.string() })),
    removed: z.array(z.object({ serial: z.string(), site: z.string(), model: z.string(), firmware: z.string() })),
    changed: z.array(ApplianceChange),
    sitesAdded: z.array(z.string()),
    sitesRemoved: z.array(z.string()),
  }),
  /** Appliances in both whose measured health (as each snapshot's engine assessed it) differs. */
  health: z.array(z.object({ serial: z.string(), site: z.string(), from: HealthStatus, to: HealthStatus })),
  /** Appliances in both whose firmware differs, and the count per version on each side. */
  firmware: z.object({
    changed: z.array(z.object({ serial: z.string(), site: z.string(), from: z.string(), to: z.string() })),
    versionsA: z.record(z.string(), z.number().int()),
    versionsB: z.record(z.string(), z.number().int()),
  }),
});
export type SnapshotDiff = z.infer<typeof SnapshotDiff>;

/**
 * Where a window goes to show a snapshot or the live fleet: `url`, or, when `sameWindow`, this very
 * window shows it once the host has switched its engine (the desktop app reloads its windows; `url`
 * is empty then).
 */
export const SnapshotWindow = z.object({ url: z.string(), sameWindow: z.boolean() });
export type SnapshotWindow = z.infer<typeof SnapshotWindow>;

export const snapshotsMethods = {
  current: method('The snapshot this engine shows (read-only), or null on a live fleet', z.object({}).default({}), CurrentSnapshot, { writes: false }),
  export: method(
    'Write a snapshot of the fleet database (an online backup, no secrets) to a file, optionally only the appliances a filter selects',
    z.object({ out: z.string().min(1).max(4096), where: SnapshotWhere.optional(), whereText: z.string().max(2000).optional(), overwrite: z.boolean().default(false) }),
    z.object({ file: z.string(), bytes: z.number().int(), seconds: z.number(), info: SnapshotInfo }),
    { writes: true },
  ),
  open: method(
    'Open a snapshot file read-only in a window of its own (the host serves it beside the live fleet); returns where to open that window',
    z.object({ file: z.string().min(1).max(4096) }),
    SnapshotWindow.extend({ info: CurrentSnapshot.unwrap() }),
    { writes: false },
  ),
  back: method(
    'Leave the snapshot this window shows for the live fleet; returns where the live fleet is shown',
    z.object({}).default({}),
    SnapshotWindow,
    { writes: false },
  ),
  inspect: method('Read the record of a snapshot file (when, where, by whom) without opening it', z.object({ file: z.string().min(1).max(4096) }), SnapshotInfo, { writes: false }),
  diff: method(
    'Compare two snapshot files: appliances added, removed and changed, health and firmware between them',
    z.object({ a: z.string().min(1).max(4096), b: z.string().min(1).max(4096) }),
    SnapshotDiff,
    { writes: false },
  ),
};

export const snapshotsEvents = {};
