/**
 * Import a site survey or an inventory file (CSV or JSON): validate first (a dry run), then import,
 * all or nothing. Every bad row is listed with its line, field and reason. Export downloads a file.
 */
import { useState, type ChangeEvent } from 'react';
import { ImportProblems, type ImportReport, type ImportRowError } from '../../../../main/inventory/contract';
import { FormError } from '../../ui/FormFooter';
import { downloadFile } from '../../ui/download';
import { formatBytes, formatCount } from '../../ui/format';
import { inferCsvKind, inferFormat, type ImportFormat, type ImportKind } from './import-file';
import { asApiError } from '../../stores/engine';
import { useInventory } from './store';
import { toastError, useUi } from '../../stores/ui';

interface LoadedFile {
  name: string;
  size: number;
  content: string;
}

/** '' = a JSON document with partners, sites and appliances together. */
type KindChoice = ImportKind | '';

const SHOWN_ERRORS = 2000;

export function ImportExportScreen() {
  return (
    <div className="page">
      <div className="page-head">
        <h1>Import / Export</h1>
      </div>
      <div className="import-grid">
        <ImportCard />
        <ExportCard />
      </div>
    </div>
  );
}

function ImportCard() {
  const importData = useInventory((s) => s.importData);
  const [file, setFile] = useState<LoadedFile | null>(null);
  const [format, setFormat] = useState<ImportFormat>('csv');
  const [kind, setKind] = useState<KindChoice>('appliances');
  const [busy, setBusy] = useState<'validate' | 'import' | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [rowErrors, setRowErrors] = useState<ImportRowError[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const reset = () => {
    setReport(null);
    setRowErrors(null);
    setProblem(null);
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    reset();
    const picked = e.target.files?.[0];
    if (!picked) {
      setFile(null);
      return;
    }
    try {
      const content = await picked.text();
      const fmt = inferFormat(picked.name, content);
      setFile({ name: picked.name, size: picked.size, content });
      setFormat(fmt);
      setKind(fmt === 'json' ? '' : (inferCsvKind(content) ?? 'appliances'));
    } catch {
      setFile(null);
      setProblem(`Could not read ${picked.name}.`);
    }
  };

  const run = async (dryRun: boolean) => {
    if (!file) return;
    reset();
    if (format === 'csv' && kind === '') {
      setProblem('A CSV file holds one kind of record: choose sites or appliances.');
      return;
    }
    setBusy(dryRun ? 'validate' : 'import');
    try {
      const request = kind ? { format, kind, content: file.content, dryRun } : { format, content: file.content, dryRun };
      setReport(await importData(request));
    } catch (err) {
      const e = asApiError(err);
      setProblem(e.message);
      const parsed = ImportProblems.safeParse(e.details);
      if (e.code === 'E_IMPORT' && parsed.success) setRowErrors(parsed.data.errors);
    } finally {
      setBusy(null);
    }
  };

  const showPath = rowErrors?.some((r) => r.path) ?? false;

  return (
    <section className="card" aria-labelledby="import-title">
      <h2 id="import-title">Import</h2>
      <p className="muted">
        CSV (one kind per file: sites or appliances) or JSON (partners, sites and appliances together). Nothing
        changes unless every row is valid.
      </p>
      <div className="inline-form">
        <div className="field full">
          <label htmlFor="import-file">File</label>
          <input
            id="import-file"
            type="file"
            accept=".csv,.json,text/csv,application/json"
            data-testid="import-file"
            onChange={(e) => void onFile(e)}
          />
        </div>
        <FormatField
          id="import-format"
          value={format}
          onChange={(f) => {
            setFormat(f);
            if (f === 'csv' && kind === '') setKind(file ? (inferCsvKind(file.content) ?? 'appliances') : 'appliances');
            reset();
          }}
        />
        <KindField
          id="import-kind"
          label="Holds"
          format={format}
          everything="everything in the file"
          value={kind}
          onChange={(k) => {
            setKind(k);
            reset();
          }}
        />
      </div>
      {file && (
        <p className="muted" data-testid="import-file-info">
          {file.name} · {formatBytes(file.size, 'binary')}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="btn" data-testid="import-validate" disabled={!file || busy !== null} onClick={() => void run(true)}>
          {busy === 'validate' ? 'Validating…' : 'Validate'}
        </button>
        <button
          type="button"
          className="btn primary"
          data-testid="import-submit"
          disabled={!file || busy !== null}
          onClick={() => void run(false)}
        >
          {busy === 'import' ? 'Importing…' : 'Import'}
        </button>
      </div>

      {report && (
        <div className="result" role="status" data-testid="import-result">
          {report.dryRun ? 'Valid: ' : 'Imported: '}
          <strong>{formatCount(report.rows)}</strong> rows —{' '}
          <strong data-testid="import-created">{formatCount(report.created)}</strong> {report.dryRun ? 'to create' : 'created'},{' '}
          <strong data-testid="import-updated">{formatCount(report.updated)}</strong> {report.dryRun ? 'to update' : 'updated'},{' '}
          <strong data-testid="import-unchanged">{formatCount(report.unchanged)}</strong> unchanged.
          {report.dryRun && ' Nothing has changed yet.'}
        </div>
      )}
      <FormError message={problem} testId="import-problem" />
      {rowErrors && rowErrors.length > 0 && (
        <>
          <h3 className="section">
            {formatCount(rowErrors.length)} problem{rowErrors.length === 1 ? '' : 's'} — fix the file and validate again
          </h3>
          <div className="table-wrap section">
            <table className="plain" data-testid="import-errors">
              <thead>
                <tr>
                  <th className="num">Line</th>
                  {showPath && <th>Item</th>}
                  <th>Field</th>
                  <th>Problem</th>
                </tr>
              </thead>
              <tbody>
                {rowErrors.slice(0, SHOWN_ERRORS).map((r, i) => (
                  <tr key={i} data-testid="import-error-row">
                    <td className="num">{r.line}</td>
                    {showPath && <td className="mono">{r.path ?? '—'}</td>}
                    <td className="mono">{r.field ?? '—'}</td>
                    <td className="wrap">{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rowErrors.length > SHOWN_ERRORS && (
            <p className="muted">…and {formatCount(rowErrors.length - SHOWN_ERRORS)} more. The CLI lists them all.</p>
          )}
        </>
      )}
    </section>
  );
}

function ExportCard() {
  const exportData = useInventory((s) => s.exportData);
  const toast = useUi((s) => s.toast);
  const [format, setFormat] = useState<ImportFormat>('csv');
  const [kind, setKind] = useState<KindChoice>('appliances');
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setBusy(true);
    try {
      const file = await exportData(format, kind || undefined);
      downloadFile(file.filename, file.mime, file.content);
      toast('info', `Exported ${file.filename}.`);
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <p className="muted">Download the inventory as CSV (one kind per file) or JSON.</p>
      <div className="inline-form">
        <FormatField
          id="export-format"
          value={format}
          onChange={(f) => {
            setFormat(f);
            if (f === 'csv' && kind === '') setKind('appliances');
          }}
        />
        <KindField id="export-kind" label="Records" format={format} everything="everything (partners, sites, appliances)" value={kind} onChange={setKind} />
        <button type="button" className="btn primary" data-testid="export-submit" disabled={busy} onClick={() => void run()}>
          {busy ? 'Exporting…' : 'Download'}
        </button>
      </div>
    </section>
  );
}

/** CSV or JSON; the select's id is also its test id. */
function FormatField({ id, value, onChange }: { id: string; value: ImportFormat; onChange: (format: ImportFormat) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Format</label>
      <select id={id} className="input" data-testid={id} value={value} onChange={(e) => onChange(e.target.value === 'json' ? 'json' : 'csv')}>
        <option value="csv">CSV</option>
        <option value="json">JSON</option>
      </select>
    </div>
  );
}

interface KindFieldProps {
  id: string;
  label: string;
  format: ImportFormat;
  /** How the choice of every kind at once (JSON only) reads. */
  everything: string;
  value: KindChoice;
  onChange: (kind: KindChoice) => void;
}

/** Which records: a CSV file holds one kind, a JSON document may hold them all. */
function KindField({ id, label, format, everything, value, onChange }: KindFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} className="input" data-testid={id} value={value} onChange={(e) => onChange(e.target.value as KindChoice)}>
        <option value="appliances">appliances</option>
        <option value="sites">sites</option>
        {format === 'json' && <option value="">{everything}</option>}
      </select>
    </div>
  );
}
