/**
 * The rollouts domain's schema: a rollout (image, plan, state, phase, wave, canary judgement), its
 * frozen targets (wave, where each is, whether it holds a place in its site's limit) and each
 * target's timeline of steps. The per-appliance step journal itself is the jobs kernel's.
 * Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const rolloutsMigrations: readonly Migration[] = [
  {
    version: 8,
    name: 'rollouts: rollouts, their frozen targets and each target\'s timeline of steps',
    sql: `
      CREATE TABLE rollouts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        image TEXT NOT NULL,
        image_sha256 TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('created', 'running', 'paused', 'awaiting-approval', 'aborting', 'succeeded', 'failed', 'aborted')),
        phase TEXT NOT NULL CHECK (phase IN ('not-started', 'canary', 'judging', 'waves', 'finished')),
        current_wave INTEGER NOT NULL DEFAULT 0,
        wave_count INTEGER NOT NULL,
        wave_started_at TEXT,
        plan TEXT NOT NULL CHECK (json_valid(plan)),
        selection TEXT NOT NULL CHECK (json_valid(selection)),
        note TEXT,
        failure_budget INTEGER NOT NULL,
        job_id INTEGER,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        reason_code TEXT,
        reason_message TEXT,
        judgement TEXT CHECK (judgement IS NULL OR json_valid(judgement))
      ) STRICT;

      CREATE TABLE rollout_targets (
        rollout_id INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
        serial TEXT NOT NULL,
        site TEXT NOT NULL,
        partner TEXT NOT NULL,
        model TEXT NOT NULL,
        nic_gbps REAL NOT NULL,
        wave INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'staging', 'waiting', 'in-flight', 'ok', 'failed', 'cancelled')),
        step TEXT NOT NULL,
        outcome TEXT,
        from_version TEXT,
        holding INTEGER NOT NULL DEFAULT 0 CHECK (holding IN (0, 1)),
        cleanup INTEGER NOT NULL DEFAULT 0 CHECK (cleanup IN (0, 1)),
        admitted_at TEXT,
        error_code TEXT,
        message TEXT,
        updated_at TEXT,
        PRIMARY KEY (rollout_id, serial)
      ) STRICT;
      CREATE INDEX rollout_targets_state ON rollout_targets (state, rollout_id);

      CREATE TABLE rollout_steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rollout_id INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
        serial TEXT NOT NULL,
        step TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'ok', 'failed', 'cancelled')),
        started_at TEXT NOT NULL,
        ended_at TEXT,
        error_code TEXT,
        message TEXT
      ) STRICT;
      CREATE INDEX rollout_steps_target ON rollout_steps (rollout_id, serial, id);
    `,
  },
];
