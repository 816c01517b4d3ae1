/**
 * The jobs kernel's schema (the jobs and job_results tables themselves came with net, version 2).
 * Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const jobsMigrations: readonly Migration[] = [
  {
    version: 5,
    name: 'jobs kernel: the kind that runs a job, pause, and a per-target step journal (step, not-before, group, context)',
    sql: `
      ALTER TABLE jobs ADD COLUMN runner TEXT NOT NULL DEFAULT 'exec';
      ALTER TABLE jobs ADD COLUMN paused_at TEXT;
      ALTER TABLE job_results ADD COLUMN step INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE job_results ADD COLUMN not_before TEXT;
      ALTER TABLE job_results ADD COLUMN grp TEXT NOT NULL DEFAULT '';
      ALTER TABLE job_results ADD COLUMN context TEXT CHECK (context IS NULL OR json_valid(context));
    `,
  },
  {
    version: 14,
    name: 'jobs: the typed details of a failed target (as the error code defines them), so windows read fingerprints and counts, not sentences',
    sql: `ALTER TABLE job_results ADD COLUMN error_details TEXT CHECK (error_details IS NULL OR json_valid(error_details));`,
  },
];
