/**
 * The appliance grid: virtualized (only the rows in view are in the DOM), pages of rows fetched from
 * the engine as they scroll into view. Arrow keys, Page Up/Down, Home/End move the selection; Enter
 * or a click opens the appliance. Column headers sort (click or keyboard).
 */
import { memo, useEffect, useMemo, useRef, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';
import type { Appliance } from '../../../../main/inventory/contract';
import { formatCount } from '../../ui/format';
import type { ListQuery, SortField } from '../../route';
import { useHealth } from '../health/store';
import { rowAt, useInventory } from './store';
import { StatusChip } from './StatusChip';
import { HealthCell } from '../health/HealthBadge';
import { useTopOnNewQuery, useVirtualRows } from '../../ui/virtual-rows';
import { GridNotice, VirtualRow } from '../../ui/VirtualRow';
import { BOOT_MARKS, markAfterPaint } from '../../ui/boot-marks';

interface Column {
  id: ColumnId;
  label: string;
  /**
   * Stays in view when the table scrolls sideways (serial and hostname: what a row is). Pinned columns
   * come first; each sticks at the sum of the least widths before it, so their tracks are fixed in px.
   */
  pinned?: boolean;
  /** CSS grid track, and the least width it needs (for the table's min-width). */
  width: string;
  minPx: number;
  sort?: SortField;
  numeric?: boolean;
  render: (a: Appliance) => ReactNode;
  title?: (a: Appliance) => string;
}

export type ColumnId = 'serial' | 'hostname' | 'site' | 'partner' | 'model' | 'status' | 'health' | 'firmware' | 'address' | 'storageTb' | 'tags';

/**
 * The columns a row is known by come first (serial, hostname, site, address, lifecycle, health):
 * at 1280 x 800 beside the navigation they are in view without scrolling sideways (e2e:
 * first-user-layout). The address track fits a whole IPv4 address (15 characters) in the mono font.
 */
const COLUMNS: Column[] = [
  { id: 'serial', label: 'Serial', width: '124px', minPx: 124, pinned: true, sort: 'serial', render: (a) => <span className="mono">{a.serial}</span> },
  {
    id: 'hostname',
    label: 'Hostname',
    width: 'minmax(250px, 2.4fr)',
    minPx: 250,
    sort: 'hostname',
    pinned: true,
    render: (a) => a.hostname,
    title: (a) => a.hostname,
  },
  { id: 'site', label: 'Site', width: '78px', minPx: 78, sort: 'site', render: (a) => a.site },
  {
    id: 'address',
    label: 'IPv4 / IPv6',
    width: 'minmax(140px, 1.1fr)',
    minPx: 140,
    render: (a) => <span className="mono">{a.ipv4 ?? a.ipv6 ?? '—'}</span>,
    title: (a) => [a.ipv4, a.ipv6].filter(Boolean).join('  '),
  },
  { id: 'status', label: 'Lifecycle', width: '126px', minPx: 126, sort: 'status', render: (a) => <StatusChip status={a.status} /> },
  { id: 'health', label: 'Health', width: 'minmax(190px, 1.2fr)', minPx: 190, render: (a) => <HealthCell serial={a.serial} /> },
  {
    id: 'partner',
    label: 'Partner',
    width: 'minmax(110px, 1fr)',
    minPx: 110,
    sort: 'partner',
    render: (a) => a.partner,
    title: (a) => a.partner,
  },
  { id: 'model', label: 'Model', width: '66px', minPx: 66, sort: 'model', render: (a) => a.model },
  {
    id: 'firmware',
    label: 'Firmware',
    width: '96px',
    minPx: 96,
    sort: 'firmware',
    render: (a) => <span className="mono">{a.firmware || '—'}</span>,
  },
  {
    id: 'storageTb',
    label: 'Storage TB',
    width: '92px',
    minPx: 92,
    sort: 'storageTb',
    numeric: true,
    render: (a) => formatCount(a.storageTb),
  },
  {
    id: 'tags',
    label: 'Tags',
    width: 'minmax(110px, 1fr)',
    minPx: 110,
    render: (a) =>
      a.tags.map((t) => (
        <span key={t} className="tag">
          {t}
        </span>
      )),
    title: (a) => a.tags.join(', '),
  },
];

/** Where each pinned column sticks: the widths of the pinned columns before it (their least widths). */
function pinOffsets(columns: readonly Column[]): Map<ColumnId, { left: number; last: boolean }> {
  const out = new Map<ColumnId, { left: number; last: boolean }>();
  let left = 0;
  for (const c of columns) {
    if (!c.pinned) break;
    out.set(c.id, { left, last: false });
    left += c.minPx;
  }
  const lastPinned = [...out.keys()].at(-1);
  if (lastPinned) out.get(lastPinned)!.last = true;
  return out;
}

interface ApplianceTableProps {
  query: ListQuery;
  onSort: (sort: SortField) => void;
  onOpen: (serial: string) => void;
  /** A fixed-height grid (inside a page that scrolls) instead of one that fills the screen. */
  fixedHeight?: boolean;
  label?: string;
  /** Columns that say nothing here (the site's own table hides site and partner). */
  hide?: readonly ColumnId[];
  /** What an empty result says. */
  emptyText?: string;
}

const NO_HIDDEN: readonly ColumnId[] = [];

/**
 * Memoised: the screen around it re-renders as facets, totals and alerts arrive, and the rows in
 * view (11 cells each) need not be rebuilt for any of that.
 */
export const ApplianceTable = memo(function ApplianceTable({
  query,
  onSort,
  onOpen,
  fixedHeight,
  label = 'Appliances',
  hide = NO_HIDDEN,
  emptyText = 'No appliances match these filters.',
}: ApplianceTableProps) {
  const list = useInventory((s) => s.list);
  const setListQuery = useInventory((s) => s.setListQuery);
  const ensureRows = useInventory((s) => s.ensureRows);
  const selectRow = useInventory((s) => s.selectRow);
  const scrollRef = useRef<HTMLDivElement>(null);
  const columns = useMemo(() => COLUMNS.filter((c) => !hide.includes(c.id)), [hide]);
  const pins = useMemo(() => pinOffsets(columns), [columns]);
  const pinClass = (c: Column) => (pins.has(c.id) ? (pins.get(c.id)!.last ? ' pin pin-last' : ' pin') : '');
  const pinStyle = (c: Column): CSSProperties | undefined => (pins.has(c.id) ? { left: pins.get(c.id)!.left } : undefined);
  // The column tracks go to CSS as custom properties; every row shares them.
  const gridVars = useMemo(
    () =>
      ({
        '--grid-cols': columns.map((c) => c.width).join(' '),
        '--grid-min': `${columns.reduce((sum, c) => sum + c.minPx, 0)}px`,
      }) as CSSProperties,
    [columns],
  );

  useEffect(() => {
    setListQuery(query);
  }, [query, setListQuery]);

  const total = list.total ?? 0;
  const { virtualizer, items, first, last } = useVirtualRows(total, scrollRef);

  useEffect(() => {
    if (list.total !== null && list.total > 0) ensureRows(first, last);
  }, [first, last, list.total, list.generation, list.key, ensureRows]);

  // Measured health for the rows in view only (not the whole fleet), as they load and scroll.
  const showHealthRows = useHealth((s) => s.showRows);
  const healthShown = !hide.includes('health');
  useEffect(() => {
    if (!healthShown) return;
    const serials: string[] = [];
    for (let i = first; i <= last && i < total; i++) {
      const a = rowAt(list, i);
      if (a) serials.push(a.serial);
    }
    showHealthRows(serials);
  }, [first, last, total, list, healthShown, showHealthRows]);

  // Coming back to the table (after a detail page) keeps the selected row in view.
  const selectedOnMount = useRef(list.selected);
  useEffect(() => {
    if (selectedOnMount.current > 0) virtualizer.scrollToIndex(selectedOnMount.current, { align: 'center' });
  }, [virtualizer]);

  useTopOnNewQuery(scrollRef, list.key);

  const rowsShown = items.length > 0 && rowAt(list, items[0]!.index) !== undefined;
  useEffect(() => {
    if (rowsShown) markAfterPaint(BOOT_MARKS.firstRows);
  }, [rowsShown]);

  const move = (index: number) => {
    if (total === 0) return;
    const next = Math.max(0, Math.min(total - 1, index));
    selectRow(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  const pageRows = Math.max(1, items.length - 4);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget) return;
    const sel = list.selected;
    switch (e.key) {
      case 'ArrowDown':
        move(sel < 0 ? first : sel + 1);
        break;
      case 'ArrowUp':
        move(sel < 0 ? first : sel - 1);
        break;
      case 'PageDown':
        move((sel < 0 ? first : sel) + pageRows);
        break;
      case 'PageUp':
        move((sel < 0 ? first : sel) - pageRows);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(total - 1);
        break;
      case 'Enter': {
        const row = sel >= 0 ? rowAt(list, sel) : undefined;
        if (row) onOpen(row.serial);
        break;
      }
      default:
        return;
    }
    e.preventDefault();
  };

  const selectedRendered = list.selected >= 0 && items.some((i) => i.index === list.selected);

  return (
    <div
      ref={scrollRef}
      className={`grid-scroll${fixedHeight ? ' fixed-height' : ''}`}
      role="grid"
      aria-label={label}
      aria-rowcount={total + 1}
      aria-colcount={columns.length}
      aria-activedescendant={selectedRendered ? `appliance-row-${list.selected}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="appliance-table"
      data-total={list.total ?? undefined}
      style={gridVars}
    >
      <div className="grid-head" role="rowgroup">
        <div className="grid-row" role="row" aria-rowindex={1}>
          {columns.map((c) => {
            const active = c.sort !== undefined && query.sort === c.sort;
            return (
              <div
                key={c.id}
                role="columnheader"
                className={`col-head${c.numeric ? ' num' : ''}${pinClass(c)}`}
                style={pinStyle(c)}
                aria-sort={active ? (query.dir === 'asc' ? 'ascending' : 'descending') : undefined}
              >
                {c.sort ? (
                  <button
                    type="button"
                    className="sort-button"
                    data-testid={`sort-${c.id}`}
                    onClick={() => onSort(c.sort!)}
                    title={`Sort by ${c.label.toLowerCase()}`}
                  >
                    {c.label}
                    {active && <span aria-hidden="true">{query.dir === 'asc' ? '▲' : '▼'}</span>}
                  </button>
                ) : (
                  c.label
                )}
              </div>
            );
          })}
        </div>
      </div>
      <div className="grid-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const a = rowAt(list, item.index);
          const selected = item.index === list.selected;
          return (
            <VirtualRow
              key={item.key}
              item={item}
              pending={!a}
              cellRole="gridcell"
              id={`appliance-row-${item.index}`}
              aria-rowindex={item.index + 2}
              aria-selected={selected}
              data-testid={a ? 'appliance-row' : 'appliance-row-pending'}
              data-serial={a?.serial}
              onClick={
                a
                  ? () => {
                      selectRow(item.index);
                      onOpen(a.serial);
                    }
                  : undefined
              }
            >
              {a &&
                columns.map((c) => (
                  <div key={c.id} className={`cell${c.numeric ? ' num' : ''}${pinClass(c)}`} style={pinStyle(c)} role="gridcell" title={c.title?.(a)}>
                    {c.render(a)}
                  </div>
                ))}
            </VirtualRow>
          );
        })}
      </div>
      <GridNotice total={list.total} error={list.error} emptyText={emptyText} />
    </div>
  );
});
