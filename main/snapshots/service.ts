/**
 * Snapshots: export the fleet database to one file by SQLite's online backup (never a copy of the
 * live file), leave out secret-bearing tables and, with a filter, every appliance it does not select
 * (and what belongs to them), record when, where and by whom; read that record; compare two files.
 * Opening one read-only is the composition's (main/engine.ts `snapshot`, main/host/serve.ts).
 */
import { chmodSync, copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { FleetError } from '../kit/errors';
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import { isoAt } from '../kit/time';
import type { ServiceDeps } from '../deps';
import type { InventoryService } from '../inventory/service';
import { selectAppliances } from '../jobs/targets';
import { schemaAt, schemaVersion, type Db } from '../store/db';
import type { Migration } from '../store/migrations';
import { ENGINE_VERSION } from '../version';
import { diffSnapshots } from './diff';
import { SNAPSHOT_FORMAT, SnapshotInfo, type CurrentSnapshot, type SnapshotWindow, type SnapshotWhere, type snapshotsEvents, type snapshotsMethods } from './contract';
import { counts, dropTable, finish, foreignSchemaObject, keepOnly, openFile, readMeta, tables, writeMeta } from './repo';

/** The host's side of "Open snapshot…": serve the file read-only, answer where a window shows it. */
export type SnapshotOpener = (file: string) => Promise<SnapshotWindow & { info: CurrentSnapshot & object }>;
/** The host's side of "Back to the live fleet" on a snapshot's engine. */
export type SnapshotLeaver = () => Promise<SnapshotWindow>;

export type SnapshotsHandlers = DomainHandlers<typeof snapshotsMethods, CallContext>;

/**
 * Tables never written to a snapshot. The vault is a separate file and SQLite holds no secret
 * today; this is the guard for a table that ever would: a name, or a column, that says secret.
 */
const SECRET_NAME = /secret|vault|credential|password|passphrase|private_?key/i;
const SECRET_COLUMN = /^(secret|password|passphrase|private_?key|token)$/i;

export function secretTables(db: Db): string[] {
  return tables(db)
    .filter((t) => SECRET_NAME.test(t.name) || t.columns.some((c) => SECRET_COLUMN.test(c)))
    .map((t) => t.name);
}

/**
 * The record of a snapshot file; E_VALIDATION when the file is not a Fleetdeck snapshot, comes from
 * a newer Fleetdeck, or holds a table, view or trigger that is not Fleetdeck's (`migrations`: this
 * build's, main/migrations.ts).
 */
function inspectSnapshot(file: string, migrations: readonly Migration[]): SnapshotInfo {
  const path = resolve(file);
  if (!existsSync(path)) throw new FleetError('E_NOT_FOUND', `There is no file ${path}.`, { missing: [path] });
  let db: Db | null = null;
  try {
    db = openFile(path, true);
    const version = schemaVersion(db);
    const latest = migrations.at(-1)?.version ?? 0;
    if (version > latest) {
      throw new FleetError('E_VALIDATION', `${path} was taken by a newer Fleetdeck (schema ${version}; this build knows up to ${latest}); upgrade Fleetdeck to open it.`);
    }
    const foreign = foreignSchemaObject(db, schemaAt(migrations, version));
    if (foreign) {
      throw new FleetError(
        'E_VALIDATION',
        `${path} is not a Fleetdeck snapshot as this build made it: its ${foreign} is not in Fleetdeck's schema ${version}. It was not opened; take the snapshot again with \`fleetdeck snapshot export\`.`,
      );
    }
    const meta = readMeta(db);
    if (!meta || meta['format'] !== SNAPSHOT_FORMAT) throw new FleetError('E_VALIDATION', `${path} is not a Fleetdeck snapshot (it has no snapshot record); make one with \`fleetdeck snapshot export\`.`);
    const parsed = SnapshotInfo.safeParse({
      ...meta,
      where: meta['where'] ?? null,
      schemaVersion: Number(meta['schemaVersion']),
      appliances: Number(meta['appliances']),
      sites: Number(meta['sites']),
      excludedTables: JSON.parse(meta['excludedTables'] ?? '[]') as unknown,
    });
    if (!parsed.success) throw new FleetError('E_VALIDATION', `${path} has a damaged snapshot record; take the snapshot again.`);
    return parsed.data;
  } catch (err) {
    if (err instanceof FleetError) throw err;
    throw new FleetError('E_VALIDATION', `${path} is not a Fleetdeck snapshot (SQLite: ${err instanceof Error ? err.message : String(err)}).`);
  } finally {
    db?.close();
  }
}

/**
 * Puts a copy of a snapshot file in `workDir` as the fleet database a read-only engine opens
 * (its migrations bring an older snapshot up to this build; the file itself is never written).
 */
export function stageSnapshot(file: string, workDir: string, dbFile: string, migrations: readonly Migration[]): CurrentSnapshot & object {
  const info = inspectSnapshot(file, migrations);
  copyFileSync(resolve(file), join(workDir, dbFile));
  return { ...info, file: resolve(file) };
}

export class SnapshotsService {
  readonly handlers: SnapshotsHandlers;

  constructor(
    private readonly deps: ServiceDeps<typeof snapshotsEvents>,
    private readonly inventory: InventoryService,
    /** What this engine shows: null for a live fleet. */
    private readonly current: CurrentSnapshot = null,
    /** How the host opens a snapshot in a window of its own (absent: this host cannot). */
    private readonly opener: SnapshotOpener | null = null,
    /** How the host goes back to the live fleet from this snapshot (absent: it serves no live fleet). */
    private readonly leaver: SnapshotLeaver | null = null,
    /** This build's migrations (required: with none, every snapshot would read as from a newer Fleetdeck): a snapshot file's schema is checked against them before it is read. */
    private readonly migrations: readonly Migration[],
  ) {
    this.handlers = {
      current: () => this.current,
      export: (req, ctx) => this.export(req, ctx.actor),
      open: ({ file }) => this.open(file),
      back: () => this.back(),
      inspect: ({ file }) => inspectSnapshot(file, this.migrations),
      diff: ({ a, b }) => diffSnapshots(resolve(a), resolve(b), inspectSnapshot(a, this.migrations), inspectSnapshot(b, this.migrations)),
    };
  }

  async back(): Promise<SnapshotWindow> {
    if (!this.current) throw new FleetError('E_UNAVAILABLE', 'This window shows the live fleet already.');
    if (!this.leaver) {
      throw new FleetError('E_UNAVAILABLE', 'This host serves only the snapshot (`fleetdeck serve --snapshot`); run `fleetdeck serve` for the live fleet.');
    }
    return this.leaver();
  }

  async open(file: string): Promise<SnapshotWindow & { info: CurrentSnapshot & object }> {
    if (!this.opener) {
      throw new FleetError(
        'E_UNAVAILABLE',
        this.current
          ? 'This window already shows a snapshot; open another from the live fleet, or run `fleetdeck serve --snapshot FILE`.'
          : 'This host cannot open a snapshot in a window; run `fleetdeck serve --snapshot FILE` and open the URL it prints.',
      );
    }
    inspectSnapshot(file, this.migrations);
    return this.opener(resolve(file));
  }

  async export(req: { out: string; where?: SnapshotWhere | undefined; whereText?: string | undefined; overwrite: boolean }, actor: string) {
    const started = performance.now();
    const out = resolve(req.out);
    if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) {
      throw new FleetError('E_NOT_FOUND', `The folder ${dirname(out)} does not exist; nothing was written.`, { missing: [dirname(out)] });
    }
    if (existsSync(out) && !req.overwrite) throw new FleetError('E_CONFLICT', `${out} already exists; choose another name or allow overwriting it.`);
    const keep = req.where ? selectAppliances(this.inventory, req.where).map((a) => a.serial) : null;
    if (keep && keep.length === 0) throw new FleetError('E_NOT_FOUND', `The filter selects no appliance in ${this.deps.dataDir}; nothing was written.`);
    const partial = `${out}.partial-${process.pid}`;
    const takenAt = isoAt(this.deps.clock);
    let info: SnapshotInfo;
    try {
      // SQLite's online backup: a consistent copy while the engine keeps writing.
      await this.deps.db.backup(partial);
      const db = openFile(partial, false);
      try {
        const excluded = secretTables(db);
        for (const t of excluded) dropTable(db, t);
        if (keep) keepOnly(db, keep);
        const n = counts(db);
        info = {
          format: SNAPSHOT_FORMAT,
          takenAt,
          takenBy: actor,
          hostName: hostname(),
          dataDir: this.deps.dataDir,
          where: keep ? (req.whereText ?? JSON.stringify(req.where)) : null,
          fleetdeckVersion: ENGINE_VERSION,
          schemaVersion: schemaVersion(db),
          appliances: n.appliances,
          sites: n.sites,
          excludedTables: excluded,
        };
        // Strings as they are, numbers and lists as JSON; a null (no filter) is left out.
        writeMeta(db, Object.fromEntries(Object.entries(info).filter(([, v]) => v !== null).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));
        finish(db, excluded.length > 0 || keep !== null);
      } finally {
        db.close();
      }
      if (process.platform !== 'win32') chmodSync(partial, 0o600);
      renameSync(partial, out);
    } catch (err) {
      rmSync(partial, { force: true });
      throw err;
    }
    const bytes = statSync(out).size;
    this.deps.audit.append({ actor, action: 'snapshot.export', target: `snapshot:${basename(out)}`, details: { file: out, bytes, appliances: info.appliances, where: info.where } });
    return { file: out, bytes, seconds: Math.round(performance.now() - started) / 1000, info };
  }
}
