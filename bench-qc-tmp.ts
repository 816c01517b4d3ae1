import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { createEngine } from './main/engine';
import { silentLogger } from './main/store/log';
import { memoryVault } from './tests/support/memory-vault';
import { sampleSites, APPLIANCES_HEADER, applianceRow } from './tests/support/inventory-fixtures';
import { DB_FILE, openFleetDatabase } from './main/store/db';

const dir = mkdtempSync(join(tmpdir(), 'fd-qc-'));
const engine = createEngine({ dataDir: dir, host: 'test', vault: memoryVault(), log: silentLogger });
await engine.inventory.importData({ format: 'csv', content: sampleSites() }, 'bench');
function* rows() { yield APPLIANCES_HEADER + '\n'; for (let i = 0; i < 100_000; i++) yield applianceRow(`OCA${i}`, { tags: `rack:A${i % 50};canary${i % 7}` }) + '\n'; }
await engine.inventory.importStream(Readable.from(rows()), { kind: 'appliances' }, 'bench');
engine.close();
const db = new Database(join(dir, DB_FILE));
const size = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
const times: number[] = [];
for (let i = 0; i < 5; i++) { const s = performance.now(); db.pragma('quick_check(5)'); times.push(performance.now() - s); }
db.close();
const opens: number[] = [];
for (let i = 0; i < 5; i++) { const s = performance.now(); openFleetDatabase(dir).close(); opens.push(performance.now() - s); }
console.log(JSON.stringify({ dbBytes: size, quickCheckMs: times.map((t) => Math.round(t)), openFleetDatabaseMs: opens.map((t) => Math.round(t)) }));
rmSync(dir, { recursive: true, force: true });
