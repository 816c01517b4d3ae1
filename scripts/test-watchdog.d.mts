// Types of scripts/test-watchdog.mjs, for its test (tests/runner/test-watchdog.test.ts).
export interface FileProgress {
  startedAt: number;
  lastDoneAt: number;
  test: string | null;
}
export interface Progress {
  running: Map<string, FileProgress>;
  lastEventAt: number;
  ended: boolean;
}
export type ProgressEvent =
  | { e: 'start' | 'end' | 'done'; file: string; at: number }
  | { e: 'test'; file: string; name: string; at: number }
  | { e: 'run-end'; at: number };
export interface Limits {
  fileLimitMs: number;
  stallLimitMs: number;
}
export interface Overdue {
  file: string | null;
  test: string | null;
  reason: 'file' | 'stall';
  ms: number;
}
export function emptyProgress(now: number): Progress;
export function applyEvent(progress: Progress, event: ProgressEvent): void;
export function overdue(progress: Progress, now: number, limits: Limits): Overdue[];
export function describeOverdue(late: Overdue[], limits: Limits, cwd?: string): string[];
export function runWatched(args: string[], options?: { env?: NodeJS.ProcessEnv; log?: (line: string) => void }): Promise<number>;
export default class WatchdogReporter {}
