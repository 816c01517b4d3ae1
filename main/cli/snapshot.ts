/**
 * `fleetdeck snapshot`: the fleet in one file, to look at offline or hand to a colleague
 * (docs/snapshots.md). Open one with `fleetdeck serve --snapshot FILE`.
 *
 *   fleetdeck snapshot export --out FILE [--where FILTER]... [--force] [--json]
 *   fleetdeck snapshot info FILE [--json]
 *   fleetdeck snapshot diff A B [--json]
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { SnapshotDiff, SnapshotInfo } from '../snapshots/contract';
import { formatBytes } from '../kit/bytes';
import { parseFilter, resolveFilter } from './exec';
import { action, dataDirOption, processIo, withEngine, type Io } from './io';
import { repeated } from './options';

function infoLines(i: SnapshotInfo): string[] {
  return [
    `Taken at ${i.takenAt} by ${i.takenBy} on ${i.hostName} (${i.dataDir})`,
    `${i.appliances} appliances in ${i.sites} sites${i.where ? `, where ${i.where}` : ' (the whole fleet)'}; Fleetdeck ${i.fleetdeckVersion}, schema ${i.schemaVersion}`,
    ...(i.excludedTables.length ? [`Left out (may hold secrets): ${i.excludedTables.join(', ')}`] : []),
  ];
}

function diffLines(d: SnapshotDiff): string[] {
  const out = [
    `A: ${d.a.file} (${d.a.takenAt}, ${d.a.appliances} appliances)`,
    `B: ${d.b.file} (${d.b.takenAt}, ${d.b.appliances} appliances)`,
    `Inventory: ${d.inventory.added.length} added, ${d.inventory.removed.length} removed, ${d.inventory.changed.length} changed; sites ${d.inventory.sitesAdded.length} added, ${d.inventory.sitesRemoved.length} removed`,
  ];
  for (const a of d.inventory.added) out.push(`  + ${a.serial} (${a.site}, ${a.model}, ${a.firmware})`);
  for (const r of d.inventory.removed) out.push(`  - ${r.serial} (${r.site}, ${r.model}, ${r.firmware})`);
  for (const c of d.inventory.changed) {
    out.push(`  ~ ${c.serial} (${c.site}): ${Object.entries(c.changes).map(([f, v]) => `${f} ${JSON.stringify(v.from)} → ${JSON.stringify(v.to)}`).join(', ')}`);
  }
  out.push(`Health: ${d.health.length} changed`);
  for (const h of d.health) out.push(`  ${h.serial} (${h.site}): ${h.from} → ${h.to}`);
  out.push(`Firmware: ${d.firmware.changed.length} changed`);
  for (const f of d.firmware.changed) out.push(`  ${f.serial} (${f.site}): ${f.from} → ${f.to}`);
  const versions = (v: Record<string, number>) => Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}×${n}`).join(', ') || 'none';
  out.push(`  versions in A: ${versions(d.firmware.versionsA)}`);
  out.push(`  versions in B: ${versions(d.firmware.versionsB)}`);
  return out;
}

export function snapshotCommand(io: Io = processIo): Command {
  const snapshot = new Command('snapshot').description('The fleet in one file, to inspect offline: export, info, diff (open with `serve --snapshot`)');

  snapshot
    .command('export')
    .description('Write a snapshot (an online backup of the fleet database, never the vault or any secret)')
    .requiredOption('--out <file>', 'the snapshot file to write')
    .option('--where <filter>', 'only these appliances and what belongs to them: site=GRU1|GRU2,status=online,... (as for exec); repeatable', repeated, [])
    .option('--force', 'overwrite the file if it exists', false)
    .addOption(dataDirOption())
    .option('--json', 'the result as one JSON object', false)
    .action(
      action(io, 'snapshot export', async (opts: { out: string; where: string[]; force: boolean; json: boolean }, cmd: Command) => {
        const parsed = opts.where.length ? parseFilter(opts.where) : undefined;
        await withEngine(cmd, async ({ api, dataDir }) => {
          const where = parsed ? await resolveFilter(api, parsed, dataDir) : undefined;
          const r = await api.snapshots.export({ out: resolve(opts.out), overwrite: opts.force, ...(where ? { where, whereText: opts.where.join(',') } : {}) });
          if (opts.json) return io.out(JSON.stringify(r));
          io.out(`Wrote ${r.file}: ${formatBytes(r.bytes, 'binary')} in ${r.seconds.toFixed(2)} s`);
          for (const line of infoLines(r.info)) io.out(line);
        });
      }),
    );

  snapshot
    .command('info')
    .description('When, where and by whom a snapshot was taken, and what it holds')
    .argument('<file>', 'a snapshot file')
    .option('--json', 'the record as one JSON object', false)
    .action(
      action(io, 'snapshot info', async (file: string, opts: { json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const i = await api.snapshots.inspect({ file: resolve(file) });
          if (opts.json) return io.out(JSON.stringify(i));
          for (const line of infoLines(i)) io.out(line);
        });
      }),
    );

  snapshot
    .command('diff')
    .description('What changed between two snapshots: appliances added, removed and changed, health, firmware')
    .argument('<a>', 'the older snapshot')
    .argument('<b>', 'the newer snapshot')
    .option('--json', 'the comparison as one JSON object', false)
    .action(
      action(io, 'snapshot diff', async (a: string, b: string, opts: { json: boolean }, cmd: Command) => {
        await withEngine(cmd, async ({ api }) => {
          const d = await api.snapshots.diff({ a: resolve(a), b: resolve(b) });
          if (opts.json) return io.out(JSON.stringify(d));
          for (const line of diffLines(d)) io.out(line);
        });
      }),
    );

  return snapshot;
}
