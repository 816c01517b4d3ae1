/**
 * A data dir written before the kernel (schema v4, fan-out jobs and their results) opens with the
 * kernel: the jobs read as before, a job left running is closed as interrupted (exec kind), and
 * retry runs the appliances that did not succeed, through the kernel.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../engine';
import { DB_FILE, openDatabase, schemaVersion } from '../store/db';
import { MIGRATIONS } from '../migrations';
import { silentLogger } from '../store/log';
import { memoryVault } from '../../tests/support/memory-vault';
import { tempDir } from '../../tests/support/temp-dir';

describe('jobs written at schema v4', () => {
  const dir = tempDir('fleetdeck-jobs-v4-');
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('read as before after migration 5, and an orphaned one is interrupted, not resumed', async () => {
    const v4 = openDatabase(join(dir, DB_FILE), MIGRATIONS.filter((m) => m.version <= 4));
    expect(schemaVersion(v4)).toBe(4);
    const spec = JSON.stringify({ argv: ['ocactl', 'status'], concurrency: 5, timeoutMs: null, acceptNew: false });
    v4.prepare("INSERT INTO jobs (id, kind, state, actor, spec, total, created_at, finished_at) VALUES (1, 'ocactl', 'done', 'cli:ana', ?, 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:05.000Z')").run(spec);
    v4.prepare("INSERT INTO job_results (job_id, seq, serial, state, exit_code, output, started_at, finished_at) VALUES (1, 0, 'A1', 'ok', 0, '{}', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z')").run();
    v4.prepare("INSERT INTO job_results (job_id, seq, serial, state, error_code, error_message) VALUES (1, 1, 'A2', 'failed', 'E_TIMEOUT', 'timed out')").run();
    v4.prepare("INSERT INTO jobs (id, kind, state, actor, spec, total, created_at, owner_pid) VALUES (2, 'exec', 'running', 'cli:ana', ?, 1, '2026-01-01T00:01:00.000Z', NULL)").run(
      JSON.stringify({ argv: ['uptime'], concurrency: 1, timeoutMs: null, acceptNew: false }),
    );
    v4.prepare("INSERT INTO job_results (job_id, seq, serial, state, started_at) VALUES (2, 0, 'A1', 'running', '2026-01-01T00:01:01.000Z')").run();
    v4.close();

    const engine = createEngine({ dataDir: dir, host: 'desktop', vault: memoryVault(), log: silentLogger, checkOutputs: true });
    try {
      expect(schemaVersion(engine.db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
      const client = engine.client();
      const { job, summary } = await client.api.jobs.get({ id: 1 });
      expect(job).toMatchObject({ kind: 'ocactl', state: 'done', argv: ['ocactl', 'status'], concurrency: 5, paused: false });
      expect(job.progress).toMatchObject({ total: 2, ok: 1, failed: 1, done: 2 });
      expect(summary.passed).toEqual(['A1']);
      expect(summary.failed).toEqual([{ serial: 'A2', errorCode: 'E_TIMEOUT', errorMessage: 'timed out', errorDetails: null }]);
      // Even on a host that resumes jobs, a raw command is not re-run by surprise.
      const orphan = await client.api.jobs.get({ id: 2 });
      expect(orphan.job.state).toBe('interrupted');
      expect(orphan.summary.notRun).toEqual([{ serial: 'A1', state: 'interrupted' }]);
      // Retry goes through the kernel (here it stops at the missing fleet key, before any job row).
      await expect(client.api.jobs.retry({ id: 1 })).rejects.toMatchObject({ code: expect.stringMatching(/^E_/) });
    } finally {
      engine.close();
    }
  });
});
