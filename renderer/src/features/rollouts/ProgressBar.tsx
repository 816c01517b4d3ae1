/** One rollout progress bar: updated, failed, in flight and staged-waiting segments over the total, with the same in words. */
import type { Counts } from '../../../../main/rollouts/contract';
import { countsLine, segments } from './format';

export function ProgressBar({ counts, label, testId }: { counts: Counts; label: string; testId: string }) {
  const s = segments(counts);
  const w = (pct: number) => `${pct}%`;
  return (
    <div
      className="ro-bar"
      data-testid={testId}
      data-total={counts.total}
      data-ok={counts.ok}
      data-failed={counts.failed}
      data-inflight={counts.inFlight}
    >
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={s.done}
        aria-valuetext={countsLine(counts)}
      >
        <span className="seg-ok" style={{ width: w(s.ok) }} />
        <span className="seg-failed" style={{ width: w(s.failed) }} />
        <span className="seg-running" style={{ width: w(s.inFlight) }} />
        <span className="seg-waiting" style={{ width: w(s.waiting) }} />
        <span className="seg-notrun" style={{ width: w(s.cancelled) }} />
      </div>
      <div className="ro-bar-line">{countsLine(counts)}</div>
    </div>
  );
}
