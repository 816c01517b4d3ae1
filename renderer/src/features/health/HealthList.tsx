/**
 * Appliances with their measured health, worst first: a virtualized grid (only the rows in view in
 * the DOM) over the engine's paged list (sorted worst first by the engine, fetched a page at a time
 * as rows scroll into view), so 10,000 appliances cost a page, not the fleet. Lifecycle and health
 * side by side. A click opens the appliance.
 */
import { useEffect, useMemo, useRef, type CSSProperties } from 'react';
import type { ApplianceHealth, HealthStatus } from '../../../../main/health/contract';
import { formatGbps } from './format';
import { listRowAt, type HealthListState } from './store';
import { HealthSummary } from './HealthBadge';
import { StatusChip } from '../inventory/StatusChip';
import { useTopOnNewQuery, useVirtualRows } from '../../ui/virtual-rows';
import { GridNotice, VirtualRow } from '../../ui/VirtualRow';
import './health.css';

const RANK: Record<HealthStatus, number> = { Error: 0, Warning: 1, Unknown: 2, OK: 3 };

const COLUMNS = [
  { label: 'Serial', width: '124px', min: 124 },
  { label: 'Hostname', width: 'minmax(250px, 2.2fr)', min: 250 },
  { label: 'Site', width: '72px', min: 72 },
  { label: 'Partner', width: 'minmax(110px, 1fr)', min: 110 },
  { label: 'Lifecycle', width: '126px', min: 126 },
  { label: 'Health', width: 'minmax(240px, 1.4fr)', min: 240 },
  { label: 'Serving', width: '92px', min: 92, numeric: true },
  { label: 'Worst component', width: 'minmax(180px, 1.6fr)', min: 180 },
] as const;

function worstComponent(h: ApplianceHealth): string {
  let worst: ApplianceHealth['components'][number] | undefined;
  for (const c of h.components) if (!worst || RANK[c.status] < RANK[worst.status]) worst = c;
  if (!worst || worst.status === 'OK') return '';
  return `${worst.name}: ${worst.message}`;
}

interface HealthListProps {
  list: HealthListState;
  /** The rows in view changed: fetch the pages they live on. */
  onRange: (start: number, end: number) => void;
  onOpen: (serial: string) => void;
  emptyText: string;
}

export function HealthList({ list, onRange, onOpen, emptyText }: HealthListProps) {
  const total = list.total ?? 0;
  const scrollRef = useRef<HTMLDivElement>(null);
  const gridVars = useMemo(
    () =>
      ({
        '--grid-cols': COLUMNS.map((c) => c.width).join(' '),
        '--grid-min': `${COLUMNS.reduce((sum, c) => sum + c.min, 0)}px`,
      }) as CSSProperties,
    [],
  );
  const { virtualizer, items, first, last } = useVirtualRows(total, scrollRef);

  useEffect(() => {
    if (list.total !== null && list.total > 0) onRange(first, last);
  }, [first, last, list.total, list.generation, list.key, onRange]);

  useTopOnNewQuery(scrollRef, list.key);

  return (
    <div
      ref={scrollRef}
      className="grid-scroll fixed-height"
      role="grid"
      aria-label="Appliances by measured health"
      aria-rowcount={total + 1}
      data-testid="health-list"
      data-total={list.total ?? undefined}
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
        {items.map((item) => {
          const row = listRowAt(list, item.index);
          if (!row) return <VirtualRow key={item.key} item={item} pending cellRole="gridcell" data-testid="health-row-pending" />;
          const { health: h, receivedAt } = row;
          const worst = worstComponent(h);
          return (
            <VirtualRow key={item.key} item={item} cellRole="gridcell" data-testid="health-row" data-serial={h.serial} data-status={h.status} onClick={() => onOpen(h.serial)}>
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
              <div
                className={`cell num${h.metrics && !h.reachable ? ' muted' : ''}`}
                role="gridcell"
                data-testid="health-row-serving"
                title={h.metrics && !h.reachable ? `Unknown now (not reached); last known ${formatGbps(h.metrics.servingGbps)}` : undefined}
              >
                {/* Not reached now: what it serves is unknown (the last known figure is in the tooltip). */}
                {h.metrics && h.reachable ? formatGbps(h.metrics.servingGbps) : '—'}
              </div>
              <div className="cell muted" role="gridcell" title={worst}>
                {worst}
              </div>
            </VirtualRow>
          );
        })}
      </div>
      <GridNotice total={list.total} error={list.error} emptyText={emptyText} />
    </div>
  );
}
