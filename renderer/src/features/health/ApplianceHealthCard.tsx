/**
 * One appliance's measured health, beside (never mixed with) the lifecycle status an operator set:
 * status and reachability with a live age, each component with where its status came from, the
 * latest metrics and small charts over the kept history. Unreachable: says so first; the last known
 * components and metrics below it, greyed.
 */
import { useMemo, useState } from 'react';
import type { ApplianceHealth, MetricsSample } from '../../../../main/health/contract';
import type { LifecycleStatus } from '../../../../main/inventory/contract';
import { formatBytes, formatDateTime } from '../../ui/format';
import { diskPercent, formatGbps, formatInt, formatRate, formatRatio } from './format';
import { asApiError } from '../../stores/engine';
import { useHealth } from './store';
import { useUi } from '../../stores/ui';
import { ApplianceHealthBadge, HealthAge, HealthBadge } from './HealthBadge';
import { Sparkline } from './Sparkline';
import { StatusChip } from '../inventory/StatusChip';
import './health.css';

const SOURCE_TEXT: Record<ApplianceHealth['components'][number]['source'], string> = {
  appliance: 'reported by the appliance',
  threshold: 'Fleetdeck threshold',
  reachability: 'reachability',
};

export function ApplianceHealthCard({ serial, lifecycle }: { serial: string; lifecycle: LifecycleStatus }) {
  const view = useHealth((s) => (s.appliance?.serial === serial ? s.appliance : null));
  const pollNow = useHealth((s) => s.pollNow);
  const toast = useUi((s) => s.toast);
  const [polling, setPolling] = useState(false);

  const poll = async () => {
    setPolling(true);
    try {
      const report = await pollNow([serial]);
      toast('info', report.reached > 0 ? `Polled ${serial}.` : `${serial} did not answer the poll.`);
    } catch (err) {
      const e = asApiError(err);
      toast('error', e.message, e.code);
    } finally {
      setPolling(false);
    }
  };

  const health = view?.health ?? null;
  return (
    <div
      className="card health-card section"
      data-testid="appliance-health"
      data-status={health?.status ?? ''}
      data-reachable={health ? String(health.reachable) : ''}
    >
      <div className="head">
        <h2>Measured health</h2>
        {health && <ApplianceHealthBadge health={health} />}
        {health && view && <HealthAge health={health} receivedAt={view.receivedAt} always />}
        <div className="spacer" />
        <span className="side-by-side" data-testid="health-lifecycle" title="What an operator set; separate from what was measured">
          <span className="k">Lifecycle (set by operators)</span>
          <StatusChip status={lifecycle} />
        </span>
        <button type="button" className="btn small" onClick={() => void poll()} disabled={polling} data-testid="poll-appliance">
          {polling ? 'Polling…' : 'Poll now'}
        </button>
      </div>
      {!health ? (
        <p className={view?.error ? 'error-text' : 'muted'} role={view?.error ? 'alert' : undefined}>
          {view?.error ?? 'Loading…'}
        </p>
      ) : (
        <HealthBody health={health} history={view?.history ?? []} />
      )}
    </div>
  );
}

function HealthBody({ health, history }: { health: ApplianceHealth; history: readonly MetricsSample[] }) {
  return (
    <>
      {!health.reachable && health.lastError && (
        <p className="last-error" data-testid="health-last-error">
          The last poll ({formatDateTime(health.lastPollAt)}) failed: {health.lastError.message}
          <span className="code">{health.lastError.code}</span>
          {health.measuredAt ? ' The values below are the last known ones.' : ''}
        </p>
      )}
      <div className="body">
        <div>
          {health.components.length === 0 ? (
            <p className="muted">No components reported yet.</p>
          ) : (
            <table className="components">
              <thead>
                <tr>
                  <th>Component</th>
                  <th>Status</th>
                  <th>Message</th>
                </tr>
              </thead>
              <tbody>
                {health.components.map((c) => (
                  <tr key={`${c.source}:${c.name}`} data-testid="health-component" data-name={c.name} data-status={c.status} data-source={c.source}>
                    <td>
                      <strong>{c.name}</strong>
                      <div className="source">{SOURCE_TEXT[c.source]}</div>
                    </td>
                    <td>
                      <HealthBadge
                        status={c.status}
                        reachable={health.reachable || c.source === 'reachability'}
                        state={health.reachable || c.source === 'reachability' ? 'measured' : 'stale'}
                        small
                        testId="component-status"
                      />
                    </td>
                    <td>{c.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <dl className="fields section">
            <dt>Measured at</dt>
            <dd data-testid="health-measured-at">{formatDateTime(health.measuredAt)}</dd>
            <dt>Last poll</dt>
            <dd>
              {formatDateTime(health.lastPollAt)} {health.lastPollAt && (health.reachable ? <span className="muted">reached</span> : <span className="error-text">not reached</span>)}
            </dd>
          </dl>
        </div>
        <div>
          <Metrics sample={health.metrics} stale={!health.reachable} />
          <Charts history={history} />
        </div>
      </div>
    </>
  );
}

function Metric({ label, value, testId, meter, stale }: { label: string; value: string; testId: string; meter?: number; stale: boolean }) {
  return (
    <div className={`metric${stale ? ' stale' : ''}`} data-testid={testId}>
      <div className="v">{value}</div>
      <div className="k">{label}</div>
      {meter !== undefined && (
        <div className="meter" aria-hidden="true">
          <span style={{ width: `${Math.max(0, Math.min(100, meter))}%` }} />
        </div>
      )}
    </div>
  );
}

function Metrics({ sample, stale }: { sample: MetricsSample | null; stale: boolean }) {
  if (!sample) return <p className="muted">No metrics yet.</p>;
  const disk = diskPercent(sample.diskUsedBytes, sample.diskTotalBytes);
  return (
    <div className="metric-grid" data-testid="health-metrics" title={stale ? `Last known values, from ${formatDateTime(sample.at)}` : undefined}>
      <Metric label="serving" value={formatGbps(sample.servingGbps)} testId="metric-serving" stale={stale} />
      <Metric label="connections" value={formatInt(sample.connections)} testId="metric-connections" stale={stale} />
      <Metric label="cache hit ratio" value={formatRatio(sample.cacheHitRatio)} testId="metric-cache-hit" stale={stale} />
      <Metric
        label={`disk used of ${formatBytes(sample.diskTotalBytes, 'decimal')}`}
        value={`${formatBytes(sample.diskUsedBytes, 'decimal')} (${disk.toFixed(1)}%)`}
        testId="metric-disk"
        meter={disk}
        stale={stale}
      />
      <Metric
        label={sample.fillProgress === null ? 'fill' : `fill at ${formatGbps(sample.fillRateGbps)}`}
        value={sample.fillProgress === null ? 'none running' : formatRatio(sample.fillProgress)}
        testId="metric-fill"
        meter={sample.fillProgress === null ? undefined : sample.fillProgress * 100}
        stale={stale}
      />
      <Metric label="errors" value={formatRate(sample.errorsPerSecond)} testId="metric-errors" stale={stale} />
    </div>
  );
}

function Charts({ history }: { history: readonly MetricsSample[] }) {
  const series = useMemo(() => {
    const times = history.map((s) => Date.parse(s.at) / 1000);
    return {
      times,
      serving: history.map((s) => s.servingGbps),
      hit: history.map((s) => s.cacheHitRatio),
      errors: history.map((s) => s.errorsPerSecond),
      disk: history.map((s) => diskPercent(s.diskUsedBytes, s.diskTotalBytes)),
    };
  }, [history]);
  return (
    <div className="charts" data-testid="health-charts" data-samples={history.length}>
      <Sparkline label="Serving" metric="serving" times={series.times} values={series.serving} format={formatGbps} colorVar="--accent" />
      <Sparkline label="Cache hit ratio" metric="cache-hit" times={series.times} values={series.hit} format={formatRatio} colorVar="--h-ok" max={1} />
      <Sparkline label="Errors" metric="errors" times={series.times} values={series.errors} format={formatRate} colorVar="--h-error" />
      <Sparkline label="Disk used" metric="disk" times={series.times} values={series.disk} format={(v) => `${v.toFixed(1)}%`} colorVar="--h-warning" max={100} />
    </div>
  );
}

/** The page header's badge, beside the lifecycle chip. */
export function HeaderHealth({ serial }: { serial: string }) {
  const health = useHealth((s) => (s.appliance?.serial === serial ? s.appliance.health : null));
  if (!health) return null;
  return <ApplianceHealthBadge health={health} testId="header-health" />;
}
