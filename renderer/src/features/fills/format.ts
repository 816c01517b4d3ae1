/** Numbers of the fills screen, as people read them (byte sizes: formatBytes in ui/format.ts, decimal). */
export function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 1000) / 10} %` : '—';
}

/** Each appliance's fill as a step of its rate over time: aligned uPlot data (seconds, Gbps per appliance). */
export function timelineData(appliances: readonly { startAt: string; endAt: string; rateGbps: number }[]): number[][] {
  const edges = new Set<number>();
  for (const a of appliances) {
    edges.add(Math.floor(Date.parse(a.startAt) / 1000));
    edges.add(Math.ceil(Date.parse(a.endAt) / 1000));
  }
  const xs = [...edges].sort((x, y) => x - y);
  const series = appliances.map((a) => {
    const s = Date.parse(a.startAt) / 1000;
    const e = Date.parse(a.endAt) / 1000;
    return xs.map((t) => (t >= Math.floor(s) && t < Math.ceil(e) ? a.rateGbps : 0));
  });
  return [xs, ...series];
}

export function gbps(g: number): string {
  return `${g.toFixed(g >= 100 ? 0 : 1)} Gbps`;
}

/** The savings charts' geometry: bar length for the largest value, bar thickness, gap, room for labels. */
export const SAVINGS_CHART = { width: 360, barHeight: 18, gap: 8, label: 120 } as const;

/**
 * Bar lengths of the savings charts: Gbps at peak against the largest partner's; a day's demand
 * split into avoided and still-over-transit bytes, against the largest partner's demand.
 */
export function savingsChart(partners: readonly { partner: string; peakGbpsAvoided: number; avoidedBytes: number; transitBytes: number }[]) {
  const maxPeak = Math.max(0, ...partners.map((p) => p.peakGbpsAvoided));
  const maxDemand = Math.max(0, ...partners.map((p) => p.avoidedBytes + p.transitBytes));
  const len = (v: number, max: number) => (max > 0 ? (v / max) * SAVINGS_CHART.width : 0);
  return partners.map((p) => ({
    partner: p.partner,
    peakGbps: p.peakGbpsAvoided,
    peakWidth: len(p.peakGbpsAvoided, maxPeak),
    avoidedWidth: len(p.avoidedBytes, maxDemand),
    transitWidth: len(p.transitBytes, maxDemand),
  }));
}
