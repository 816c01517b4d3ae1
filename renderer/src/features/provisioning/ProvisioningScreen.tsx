/**
 * Provisioning: import a site survey (CSV or JSON; every bad row listed with its line, nothing
 * imported), and the surveyed sites with how many of their appliances are online.
 */
import { useEffect, useState, type ChangeEvent } from 'react';
import { SURVEY_CSV_REQUIRED, SURVEY_CSV_TEMPLATE, type SurveyImportReport } from '../../../../main/provisioning/contract';
import { hashFor } from '../../route';
import { useProvisioning } from './store';

/** Largest survey read in the window (the engine refuses larger ones too). */
const MAX_SURVEY_BYTES = 8 * 1024 * 1024;
const TEMPLATE_HREF = `data:text/csv;charset=utf-8,${encodeURIComponent(SURVEY_CSV_TEMPLATE)}`;

export function ProvisioningScreen() {
  const sites = useProvisioning((s) => s.sites);
  const errors = useProvisioning((s) => s.importErrors);
  const loadSites = useProvisioning((s) => s.loadSites);
  const importSurvey = useProvisioning((s) => s.importSurvey);
  const [report, setReport] = useState<SurveyImportReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [tooBig, setTooBig] = useState<string | null>(null);

  useEffect(() => {
    void loadSites();
  }, [loadSites]);

  async function onFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = '';
    setReport(null);
    setTooBig(null);
    if (!file) return;
    if (file.size > MAX_SURVEY_BYTES) return setTooBig(`${file.name} is larger than a site survey can be (8 MB).`);
    setBusy(true);
    try {
      setReport(await importSurvey(await file.text(), file.name));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page">
      <div className="page-head">
        <h1>Provisioning</h1>
      </div>
      <div className="card">
        <h2>Import a site survey</h2>
        <p className="muted">
          The survey the ISP and the vendor agreed: per appliance its serial, model, management address, hostname, BGP neighbor and ASN, and the factory host-key
          fingerprint and password when the vendor sent them. Factory passwords go to the vault only.
        </p>
        <p className="muted" data-testid="survey-columns">
          A CSV survey has one appliance per row, for a site already in the inventory; it needs the columns {SURVEY_CSV_REQUIRED.join(', ')}, and ipv4 or ipv6.{' '}
          <a href={TEMPLATE_HREF} download="site-survey-template.csv" data-testid="survey-template">
            Download a CSV template
          </a>{' '}
          (every column, one example row to replace). A JSON survey can carry the site too (docs/provisioning.md).
        </p>
        <label className="btn">
          {busy ? 'Importing…' : 'Choose survey file (.csv or .json)'}
          <input type="file" accept=".csv,.json,text/csv,application/json" hidden onChange={(e) => void onFile(e)} data-testid="survey-file" disabled={busy} />
        </label>
        {tooBig && (
          <p role="alert" className="error-text">
            {tooBig}
          </p>
        )}
        {report && (
          <p data-testid="survey-import-report">
            Imported the survey of site <a href={hashFor({ name: 'provisioning-site', code: report.site })}>{report.site}</a>: {report.appliances} appliances ({report.created} new),{' '}
            {report.credentials} factory credential(s) in the vault.
          </p>
        )}
        {errors && (
          <div role="alert" data-testid="survey-import-errors">
            <p>Nothing was imported; fix these rows and import the file again:</p>
            <ul>
              {errors.slice(0, 200).map((e, i) => (
                <li key={i}>
                  line {e.line}
                  {e.path ? ` (${e.path})` : ''}
                  {e.field ? ` ${e.field}` : ''}: {e.reason}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <div className="card">
        <h2>Surveyed sites</h2>
        {sites === null ? (
          <p className="muted">Loading…</p>
        ) : sites.length === 0 ? (
          <p className="muted" data-testid="prov-no-sites">
            No survey imported yet.
          </p>
        ) : (
          <table className="table" data-testid="prov-sites">
            <thead>
              <tr>
                <th>Site</th>
                <th>Appliances</th>
                <th>Online</th>
                <th>Stopped</th>
              </tr>
            </thead>
            <tbody>
              {sites.map((s) => (
                <tr key={s.site}>
                  <td>
                    <a href={hashFor({ name: 'provisioning-site', code: s.site })} data-testid={`prov-site-${s.site}`}>
                      {s.site}
                    </a>
                  </td>
                  <td>{s.appliances}</td>
                  <td>{s.online}</td>
                  <td>{s.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
