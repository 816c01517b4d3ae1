/**
 * The appliance table with its filter bar. Filters and sort live in the URL hash, so a reload, a
 * shared link or Back shows the same rows. `/` jumps to the text filter.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { APPLIANCE_MODELS, LIFECYCLE_STATUSES } from '../../../../main/inventory/contract';
import { ApplianceTable } from './ApplianceTable';
import { MultiSelect, type Option } from '../../ui/MultiSelect';
import { TableRunCommand } from '../jobs/TableRunCommand';
import { TextFilter } from '../../ui/TextFilter';
import { ToggleFilter } from '../../ui/ToggleFilter';
import { downloadFile } from '../../ui/download';
import { formatRowCount } from '../../ui/format';
import { EMPTY_QUERY, hasFilters, listQueryKey, type ListQuery, type SortField } from '../../route';
import { useInventory } from './store';
import { toastError, useUi } from '../../stores/ui';
import { afterOpeningScreen } from '../../ui/opening-screen';

// The form's code loads when it is first opened: the table's first screen does without it.
const AddApplianceDialog = lazy(async () => ({ default: (await import('./AddApplianceDialog')).AddApplianceDialog }));

export function AppliancesScreen({ query }: { query: ListQuery }) {
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const facets = useInventory((s) => s.facets);
  const fleetTotal = useInventory((s) => s.overview?.totals.appliances ?? null);
  const listTotal = useInventory((s) => (s.list.key === listQueryKey(query) ? s.list.total : null));
  const loadFacets = useInventory((s) => s.loadFacets);
  const loadOverview = useInventory((s) => s.loadOverview);
  const exportData = useInventory((s) => s.exportData);
  const [adding, setAdding] = useState(false);
  const [exportFormat, setExportFormat] = useState<'csv' | 'json'>('csv');
  const textRef = useRef<HTMLInputElement>(null);

  // On a window that opened here, after the first rows are painted (ui/opening-screen.ts).
  useEffect(() => {
    afterOpeningScreen(() => {
      void loadFacets();
      void loadOverview();
    });
  }, [loadFacets, loadOverview]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT');
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        textRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const update = (patch: Partial<ListQuery>) => navigate({ name: 'appliances', query: { ...query, ...patch } }, { replace: true });
  // Stable, so the table (memo) renders for its own data only, not when facets or totals arrive.
  const onSort = useCallback(
    (sort: SortField) =>
      navigate(
        { name: 'appliances', query: { ...query, ...(query.sort === sort ? { dir: query.dir === 'asc' ? 'desc' : 'asc' } : { sort, dir: 'asc' }) } },
        { replace: true },
      ),
    [navigate, query],
  );
  const onOpen = useCallback((serial: string) => navigate({ name: 'appliance', serial }), [navigate]);
  const toggle = <T extends string>(values: readonly T[], value: T): T[] =>
    values.includes(value) ? values.filter((v) => v !== value) : [...values, value];

  const siteOptions = useMemo<Option[]>(
    () => (facets?.sites ?? []).map((s) => ({ value: s.code, label: `${s.code} — ${s.name}`, hint: s.partner })),
    [facets],
  );
  const partnerOptions = useMemo<Option[]>(() => (facets?.partners ?? []).map((p) => ({ value: p, label: p })), [facets]);
  const tagOptions = useMemo<Option[]>(() => (facets?.tags ?? []).map((t) => ({ value: t, label: t })), [facets]);

  const runExport = async () => {
    try {
      const file = await exportData(exportFormat, 'appliances');
      downloadFile(file.filename, file.mime, file.content);
      toast('info', `Exported ${file.filename}.`);
    } catch (err) {
      toastError(err);
    }
  };

  return (
    <div className="page fill">
      <div className="page-head">
        <h1>Appliances</h1>
        <span className="row-count" data-testid="appliance-count" aria-live="polite">
          {formatRowCount(listTotal, fleetTotal)}
        </span>
        <div className="spacer" />
        <label className="sr-only" htmlFor="table-export-format">
          Export format
        </label>
        <select
          id="table-export-format"
          className="input"
          value={exportFormat}
          data-testid="table-export-format"
          onChange={(e) => setExportFormat(e.target.value === 'json' ? 'json' : 'csv')}
        >
          <option value="csv">CSV</option>
          <option value="json">JSON</option>
        </select>
        <button
          type="button"
          className="btn"
          data-testid="table-export"
          onClick={() => void runExport()}
          title="Download every appliance (the export does not apply the filters)"
        >
          Export appliances
        </button>
        <TableRunCommand query={query} />
        <button type="button" className="btn primary" data-testid="add-appliance" onClick={() => setAdding(true)}>
          Add appliance
        </button>
      </div>

      <div className="filters" role="search" aria-label="Filter appliances">
        <TextFilter
          ref={textRef}
          value={query.text}
          onCommit={(text) => update({ text })}
          placeholder="Filter hostname, serial, IP, firmware"
          testId="filter-text"
          shortcut="/"
        />
        <ToggleFilter
          label="Status"
          testId="filter-status"
          options={LIFECYCLE_STATUSES}
          selected={query.status}
          onToggle={(s) => update({ status: toggle(query.status, s) })}
          optionClass={(s) => `st-${s}`}
        />
        <ToggleFilter
          label="Model"
          testId="filter-model"
          options={APPLIANCE_MODELS}
          selected={query.model}
          onToggle={(m) => update({ model: toggle(query.model, m) })}
        />
        <MultiSelect label="Site" options={siteOptions} selected={query.site} onChange={(site) => update({ site })} testId="filter-site" />
        <MultiSelect
          label="Partner"
          options={partnerOptions}
          selected={query.partner}
          onChange={(partner) => update({ partner })}
          testId="filter-partner"
        />
        <MultiSelect label="Tag" options={tagOptions} selected={query.tag} onChange={(tag) => update({ tag })} testId="filter-tag" />
        {hasFilters(query) && (
          <button
            type="button"
            className="btn link"
            data-testid="filter-clear"
            onClick={() => update({ ...EMPTY_QUERY, sort: query.sort, dir: query.dir })}
          >
            Clear filters
          </button>
        )}
      </div>

      <ApplianceTable query={query} onSort={onSort} onOpen={onOpen} />

      {adding && (
        <Suspense fallback={null}>
          <AddApplianceDialog
            title="Add appliance"
            initialSite={query.site.length === 1 ? query.site[0] : undefined}
            onClose={() => setAdding(false)}
          />
        </Suspense>
      )}
    </div>
  );
}
