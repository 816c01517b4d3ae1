/**
 * The lab's demand model written as the files a streaming service hands over: the catalog and
 * per-site daily demand logs, CSV or JSON lines. `fleetdeck lab demand export` writes them, and the
 * lab domain writes a small set of them for the demo before importing it (docs/fills.md).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { catalogCsvLines, catalogJsonLine, dayString, DEMAND_CSV_HEADER, demandCsvLines, demandJsonLines, type DemandModel } from './model/demand';

/** Lines to a file, written in blocks of about a megabyte. */
class LineFile {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  lines = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w', 0o644);
  }

  write(line: string): void {
    this.buffer.push(line);
    this.size += line.length + 1;
    this.lines++;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    try {
      if (this.buffer.length) writeSync(this.fd, this.buffer.join('\n') + '\n');
    } catch (err) {
      throw new DemandFilesError(`cannot write ${this.path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    this.buffer = [];
    this.size = 0;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

export interface DemandFiles {
  catalogPath: string;
  demandPath: string;
  titles: number;
  demandRows: number;
  sites: number;
  firstDay: string;
  lastDay: string;
}

/** Why a file or folder could not be written: the path and the system's code. */
export class DemandFilesError extends Error {}

function opened(path: string): LineFile {
  try {
    return new LineFile(path);
  } catch (err) {
    throw new DemandFilesError(`cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/**
 * Write `catalog.<ext>` and `demand.<ext>` into `dir`: the model's catalog and its sites' demand
 * on days `first` .. `last` (days since 1970). `pause` runs between site-days (an engine yields
 * to its other work there).
 */
export async function writeDemandFiles(
  model: DemandModel,
  dir: string,
  days: { first: number; last: number },
  format: 'csv' | 'jsonl',
  pause: () => Promise<void> = () => Promise.resolve(),
): Promise<DemandFiles> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DemandFilesError(`cannot make the folder ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const ext = format === 'csv' ? 'csv' : 'jsonl';
  const catalog = opened(join(dir, `catalog.${ext}`));
  try {
    if (format === 'csv') for (const line of catalogCsvLines(model)) catalog.write(line);
    else for (const entry of model.catalog()) catalog.write(catalogJsonLine(entry));
  } finally {
    catalog.close();
  }
  const logs = opened(join(dir, `demand.${ext}`));
  try {
    if (format === 'csv') logs.write(DEMAND_CSV_HEADER);
    for (let d = days.first; d <= days.last; d++) {
      for (const site of model.siteCodes()) {
        const lines = format === 'csv' ? demandCsvLines(model, site, dayString(d)) : demandJsonLines(model, site, dayString(d));
        for (const line of lines) logs.write(line);
        await pause();
      }
    }
  } finally {
    logs.close();
  }
  return {
    catalogPath: catalog.path,
    demandPath: logs.path,
    titles: model.titles,
    demandRows: logs.lines - (format === 'csv' ? 1 : 0),
    sites: model.siteCodes().length,
    firstDay: dayString(days.first),
    lastDay: dayString(days.last),
  };
}
