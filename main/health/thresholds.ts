/**
 * Fleetdeck's own checks on an appliance's metrics, per model: disk usage, error rate and cache
 * hit ratio. They add components (source `threshold`) beside the appliance's own report; the
 * appliance's status is the worst of all of them.
 */
import type { ApplianceModel } from '../inventory/contract';
import type { ComponentHealth, HealthStatus, MetricsSample, Thresholds } from './contract';

/**
 * Defaults. Storage appliances hold the long tail and run nearly full by design; flash appliances
 * hold the head, are refilled to the brim every night and evict daily, so their disk levels sit
 * higher still. Flash serves more per appliance, so it tolerates more errors per second, and its
 * hit ratio is expected higher (it holds what is popular).
 */
export const DEFAULT_THRESHOLDS: Record<ApplianceModel, Thresholds> = {
  storage: {
    model: 'storage',
    diskWarnPct: 90,
    diskErrorPct: 97,
    errorsWarnPerSec: 5,
    errorsErrorPerSec: 25,
    cacheHitWarnBelow: 0.85,
    staleAfterSec: 300,
  },
  flash: {
    model: 'flash',
    diskWarnPct: 92,
    diskErrorPct: 98,
    errorsWarnPerSec: 10,
    errorsErrorPerSec: 50,
    cacheHitWarnBelow: 0.9,
    staleAfterSec: 300,
  },
};

const pct = (x: number) => `${Math.round(x * 10) / 10}%`;

function level(value: number, warn: number, error: number): HealthStatus {
  if (value >= error) return 'Error';
  if (value >= warn) return 'Warning';
  return 'OK';
}

/** The threshold components for one metrics sample. */
export function thresholdComponents(m: MetricsSample, t: Thresholds): ComponentHealth[] {
  const out: ComponentHealth[] = [];
  if (m.diskTotalBytes > 0) {
    const used = (m.diskUsedBytes / m.diskTotalBytes) * 100;
    out.push({
      name: 'disk-usage',
      status: level(used, t.diskWarnPct, t.diskErrorPct),
      message: `Disk ${pct(used)} used (Warning at ${t.diskWarnPct}%, Error at ${t.diskErrorPct}%).`,
      source: 'threshold',
    });
  }
  out.push({
    name: 'error-rate',
    status: level(m.errorsPerSecond, t.errorsWarnPerSec, t.errorsErrorPerSec),
    message: `${m.errorsPerSecond} errors/s (Warning at ${t.errorsWarnPerSec}, Error at ${t.errorsErrorPerSec}).`,
    source: 'threshold',
  });
  // A hit ratio means something only while the appliance serves.
  if (t.cacheHitWarnBelow > 0 && m.servingGbps > 0) {
    out.push({
      name: 'cache-hit',
      status: m.cacheHitRatio < t.cacheHitWarnBelow ? 'Warning' : 'OK',
      message: `Cache hit ratio ${pct(m.cacheHitRatio * 100)} (Warning below ${pct(t.cacheHitWarnBelow * 100)}).`,
      source: 'threshold',
    });
  }
  return out;
}
