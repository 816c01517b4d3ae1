/**
 * A filter picker for many values (sites, partners, tags): a button that opens a panel of checkboxes,
 * with a search box when the list is long. Escape or a click outside closes it.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';

export interface Option {
  value: string;
  label: string;
  hint?: string;
}

interface MultiSelectProps {
  label: string;
  options: readonly Option[];
  selected: readonly string[];
  onChange: (values: string[]) => void;
  testId: string;
}

const SEARCH_FROM = 8;

export function MultiSelect({ label, options, selected, onChange, testId }: MultiSelectProps) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    const list = q
      ? options.filter((o) => o.value.toLowerCase().includes(q) || o.label.toLowerCase().includes(q) || o.hint?.toLowerCase().includes(q))
      : options;
    // Values in the URL that the facets no longer list stay visible so they can be unticked.
    const missing = selected.filter((v) => !options.some((o) => o.value === v)).map((v): Option => ({ value: v, label: v }));
    return [...missing, ...list];
  }, [options, selected, search]);

  const toggle = (value: string) => {
    onChange(selected.includes(value) ? selected.filter((v) => v !== value) : [...selected, value]);
  };

  const summary =
    selected.length === 0 ? 'any' : selected.length <= 2 ? selected.join(', ') : `${selected.length} selected`;

  return (
    <div
      className="multi"
      ref={root}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation();
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <button
        ref={button}
        type="button"
        className={`btn multi-button${selected.length ? ' active' : ''}`}
        aria-haspopup="true"
        aria-expanded={open}
        aria-controls={panelId}
        data-testid={testId}
        onClick={() => setOpen((o) => !o)}
      >
        {label}: {summary} ▾
      </button>
      {open && (
        <div className="multi-panel" id={panelId} role="group" aria-label={`${label} filter`} data-testid={`${testId}-panel`}>
          {options.length >= SEARCH_FROM && (
            <input
              className="input"
              type="search"
              placeholder={`Find ${label.toLowerCase()}…`}
              aria-label={`Find ${label.toLowerCase()}`}
              value={search}
              autoFocus
              onChange={(e) => setSearch(e.target.value)}
            />
          )}
          <div className="multi-options">
            {shown.length === 0 && <div className="muted multi-option">Nothing matches.</div>}
            {shown.map((o) => (
              <label key={o.value} className="multi-option">
                <input type="checkbox" checked={selected.includes(o.value)} onChange={() => toggle(o.value)} />
                <span>{o.label}</span>
                {o.hint && <span className="hint">{o.hint}</span>}
              </label>
            ))}
          </div>
          <div className="multi-foot">
            <button type="button" className="btn link small" onClick={() => onChange([])} disabled={selected.length === 0}>
              Clear
            </button>
            <button type="button" className="btn link small" onClick={() => setOpen(false)}>
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
