/**
 * Appliances with their measured health, worst first: a virtualized grid (thousands of rows, only
 * those in view in the DOM) with lifecycle and health side by side. A click opens the appliance.
 */
import { useMemo, useRef, type CSSProperties } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ApplianceHealth, HealthStatus } from '../../../main/health/contract';
import { formatGbps } from '../health-format';
import { HealthSummary } from './HealthBadge';
import { StatusChip } from './StatusChip';
import '../health.css';

const RANK: Record<HealthStatus, number> = { Error: 0, Warning: 1, Unknown: 2, OK: 3 };
const ROW_HEIGHT = 28;
const HEAD_HEIGHT = 31;

const COLUMNS = [
  { label: 'Serial', width: '124px', min: 124 },
  { label: 'Hostname', width: 'minmax(160px, 1.3fr)', min: 160 },
  { label: 'Site', width: '72px', min: 72 },
  { label: 'Partner', width: 'minmax(110px, 1fr)', min: 110 },
  { label: 'Lifecycle', width: '126px', min: 126 },
  { label: 'Health', width: 'minmax(290px, 1.5fr)', min: 290 },
  { label: 'Serving', width: '92px', min: 92, numeric: true },
  { label: 'Worst component', width: 'minmax(180px, 2fr)', min: 180 },
] as const;

/** Worst first (Error, Warning, Unknown, OK), unreachable before reached, then by serial. */
export function sortWorstFirst(items: readonly ApplianceHealth[]): ApplianceHealth[] {
  return [...items].sort(
    (a, b) =>
      RANK[a.status] - RANK[b.status] ||
      Number(a.reachable) - Number(b.reachable) ||
      (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0),
  );
}

function worstComponent(h: ApplianceHealth): string {
  let worst: ApplianceHealth['components'][number] | undefined;
  for (const c of h.components) if (!worst || RANK[c.status] < RANK[worst.status]) worst = c;
  if (!worst || worst.status === 'OK') return '';
  return `${worst.name}: ${worst.message}`;
}

interface HealthListProps {
  items: readonly ApplianceHealth[];
  receivedAt: number;
  onOpen: (serial: string) => void;
  emptyText: string;
}

export function HealthList({ items, receivedAt, onOpen, emptyText }: HealthListProps) {
  const rows = useMemo(() => sortWorstFirst(items), [items]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const gridVars = useMemo(
    () =>
      ({
        '--grid-cols': COLUMNS.map((c) => c.width).join(' '),
        '--grid-min': `${COLUMNS.reduce((sum, c) => sum + c.min, 0)}px`,
      }) as CSSProperties,
    [],
  );
  // TanStack Virtual keeps its own mutable state; the React Compiler must leave this component alone.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    scrollMargin: HEAD_HEIGHT,
  });

  return (
    <div
      ref={scrollRef}
      className="grid-scroll fixed-height"
      role="grid"
      aria-label="Appliances by measured health"
      aria-rowcount={rows.length + 1}
      data-testid="health-list"
      data-total={rows.length}
      style={gridVars}
    >
      <div className="grid-head" role="rowgroup">
        <div className="grid-row" role="row">
          {COLUMNS.map((c) => (
            <div key={c.label} role="columnheader" className={`col-head${'numeric' in c ? ' num' : ''}`}>
              {c.label}
            </div>
          ))}
        </div>
      </div>
      <div className="grid-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const h = rows[item.index]!;
          const worst = worstComponent(h);
          return (
            <div
              key={h.serial}
              className="grid-row"
              role="row"
              style={{ transform: `translateY(${item.start - HEAD_HEIGHT}px)` }}
              data-testid="health-row"
              data-serial={h.serial}
              data-status={h.status}
              onClick={() => onOpen(h.serial)}
            >
              <div className="cell mono" role="gridcell">
                <a href={`#/appliances/${encodeURIComponent(h.serial)}`} onClick={(e) => e.stopPropagation()}>
                  {h.serial}
                </a>
              </div>
              <div className="cell" role="gridcell" title={h.hostname}>
                {h.hostname}
              </div>
              <div className="cell" role="gridcell">
                {h.site}
              </div>
              <div className="cell" role="gridcell" title={h.partner}>
                {h.partner}
              </div>
              <div className="cell" role="gridcell">
                <StatusChip status={h.lifecycle} testId="health-row-lifecycle" />
              </div>
              <div className="cell" role="gridcell">
                <HealthSummary health={h} receivedAt={receivedAt} small />
              </div>
              <div className="cell num" role="gridcell">
                {h.metrics ? formatGbps(h.metrics.servingGbps) : '—'}
              </div>
              <div className="cell muted" role="gridcell" title={worst}>
                {worst}
              </div>
            </div>
          );
        })}
      </div>
      {rows.length === 0 && <div className="grid-empty">{emptyText}</div>}
    </div>
  );
}
