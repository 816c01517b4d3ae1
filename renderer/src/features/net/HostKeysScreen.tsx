/**
 * Host-key trust. Open alerts (an appliance or bastion presented a key other than the one on record;
 * Fleetdeck refused the connection) with both fingerprints side by side, to trust the new key after
 * checking it or dismiss the alert; their history; and the fleet key's public half.
 */
import { useEffect, useState } from 'react';
import type { HostKeyAlert } from '../../../../main/net/contract';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { formatCount, formatDateTime } from '../../ui/format';
import { applianceOfTarget } from '../jobs/format';
import { hashFor } from '../../route';
import { useNet } from './store';
import { toastError, useUi } from '../../stores/ui';
import '../jobs/jobs.css';

function TargetLink({ target }: { target: string }) {
  const serial = applianceOfTarget(target);
  return serial ? (
    <a className="mono" href={hashFor({ name: 'appliance', serial })}>
      {serial}
    </a>
  ) : (
    <span className="mono">{target}</span>
  );
}

export function FingerprintPair({ expected, presented }: { expected: string; presented: string }) {
  return (
    <div className="fp-pair">
      <div className="fp-box">
        <div className="k">Recorded (expected)</div>
        <div className="fp" data-testid="hostkey-expected">
          {expected}
        </div>
      </div>
      <div className="fp-box presented">
        <div className="k">Presented now</div>
        <div className="fp" data-testid="hostkey-presented">
          {presented}
        </div>
      </div>
    </div>
  );
}

export function HostKeysScreen() {
  const alerts = useNet((s) => s.alerts);
  const history = useNet((s) => s.history);
  const loadAlerts = useNet((s) => s.loadAlerts);
  const loadHistory = useNet((s) => s.loadHistory);
  const [trusting, setTrusting] = useState<HostKeyAlert | null>(null);

  useEffect(() => {
    void loadAlerts();
    void loadHistory();
  }, [loadAlerts, loadHistory]);

  const resolved = (history ?? []).filter((a) => a.resolvedAt !== null);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Host keys</h1>
        {alerts && alerts.length > 0 && (
          <span className="status st-offline" data-testid="hostkey-open-count">
            {formatCount(alerts.length)} open alert{alerts.length === 1 ? '' : 's'}
          </span>
        )}
      </div>

      <div className="card">
        <h2>Open alerts</h2>
        {alerts === null ? (
          <p className="muted">Loading…</p>
        ) : alerts.length === 0 ? (
          <p className="muted" data-testid="hostkey-none">
            No open alerts: every appliance and bastion Fleetdeck reached presented the key on record.
          </p>
        ) : (
          <>
            <p className="muted">
              These presented a host key other than the one on record, so Fleetdeck refused the connection before sending any credential. A
              re-installed appliance has a new key; anything else may be a man in the middle. Nothing is re-trusted without you.
            </p>
            <div className="hk-alerts">
              {alerts.map((a) => (
                <AlertCard key={a.id} alert={a} onTrust={() => setTrusting(a)} />
              ))}
            </div>
          </>
        )}
      </div>

      <FleetKeyCard />

      <div className="card">
        <h2>Resolved alerts</h2>
        {history === null ? (
          <p className="muted">Loading…</p>
        ) : resolved.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="plain" data-testid="hostkey-history">
              <thead>
                <tr>
                  <th>Target</th>
                  <th>Resolution</th>
                  <th>By</th>
                  <th>When</th>
                  <th>Expected</th>
                  <th>Presented</th>
                  <th className="num">Seen</th>
                </tr>
              </thead>
              <tbody>
                {resolved.map((a) => (
                  <tr key={a.id} data-testid="hostkey-history-row" data-resolution={a.resolution ?? undefined}>
                    <td>
                      <TargetLink target={a.target} />
                    </td>
                    <td>{a.resolution === 'trusted-new-key' ? 'new key trusted' : 'dismissed'}</td>
                    <td>{a.resolvedBy}</td>
                    <td>{formatDateTime(a.resolvedAt)}</td>
                    <td className="mono">{a.expected}</td>
                    <td className="mono">{a.presented}</td>
                    <td className="num">{formatCount(a.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      {trusting && <TrustNewKeyDialog alert={trusting} onClose={() => setTrusting(null)} />}
    </div>
  );
}

function AlertCard({ alert: a, onTrust }: { alert: HostKeyAlert; onTrust: () => void }) {
  const resolveAlert = useNet((s) => s.resolveAlert);
  const toast = useUi((s) => s.toast);
  const [busy, setBusy] = useState(false);

  const dismiss = async () => {
    setBusy(true);
    try {
      await resolveAlert(a.id, false);
      toast('info', `Alert dismissed; ${a.target.replace(/^appliance:/, '')} keeps its recorded key and stays refused while it presents another.`);
    } catch (err) {
      toastError(err);
      setBusy(false);
    }
  };

  return (
    <div className="hk-alert" data-testid="hostkey-alert" data-target={a.target} data-alert={a.id}>
      <div className="hk-alert-head">
        <strong>
          <TargetLink target={a.target} />
        </strong>
        <span className="mono muted">
          {a.host}:{a.port}
        </span>
        <span className="spacer" />
        <span className="muted">
          refused {formatCount(a.count)} time{a.count === 1 ? '' : 's'}
        </span>
      </div>
      <FingerprintPair expected={a.expected} presented={a.presented} />
      <div className="hk-meta">
        <span>first seen {formatDateTime(a.firstSeenAt)}</span>
        <span>last seen {formatDateTime(a.lastSeenAt)}</span>
      </div>
      <div className="hk-actions">
        <button type="button" className="btn danger" data-testid="hostkey-trust" onClick={onTrust} disabled={busy}>
          Trust the new key…
        </button>
        <button
          type="button"
          className="btn"
          data-testid="hostkey-dismiss"
          onClick={() => void dismiss()}
          disabled={busy}
          title="Keep the recorded key; connections stay refused while the other key is presented"
        >
          Dismiss
        </button>
      </div>
    </div>
  );
}

function TrustNewKeyDialog({ alert: a, onClose }: { alert: HostKeyAlert; onClose: () => void }) {
  const resolveAlert = useNet((s) => s.resolveAlert);
  const toast = useUi((s) => s.toast);
  const [checked, setChecked] = useState(false);
  const name = applianceOfTarget(a.target) ?? a.target;
  const action = async () => {
    await resolveAlert(a.id, true);
    toast('info', `${name}: the new host key ${a.presented} is now trusted.`);
    onClose();
  };

  return (
    <ConfirmDialog
      title={`Trust a new host key for ${name}?`}
      testId="hostkey-trust-dialog"
      onClose={onClose}
      action={action}
      label="Trust the new key"
      busyLabel="Trusting…"
      confirmTestId="hostkey-trust-confirm"
      tone="danger"
      disabled={!checked}
    >
      <div className="danger-note">
        <strong>This may be a man-in-the-middle attack.</strong> A host key changes when an appliance is re-installed or its disk replaced.
        If nobody did that, someone may be impersonating {name} to capture what Fleetdeck sends it. Confirm the new fingerprint out of band
        (the appliance’s console, the RMA or re-install record) before trusting it.
      </div>
      <FingerprintPair expected={a.expected} presented={a.presented} />
      <label className="check-line">
        <input type="checkbox" checked={checked} onChange={(e) => setChecked(e.target.checked)} data-testid="hostkey-trust-checked" />
        <span>I compared the presented fingerprint with one obtained from the appliance itself, and they match.</span>
      </label>
    </ConfirmDialog>
  );
}

function FleetKeyCard() {
  const fleetKey = useNet((s) => s.fleetKey);
  const error = useNet((s) => s.fleetKeyError);
  const loadFleetKey = useNet((s) => s.loadFleetKey);
  const generateFleetKey = useNet((s) => s.generateFleetKey);
  const toast = useUi((s) => s.toast);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void loadFleetKey();
  }, [loadFleetKey]);

  const generate = async () => {
    setBusy(true);
    try {
      const key = await generateFleetKey();
      toast('info', `Fleet key generated: ${key.fingerprint}.`);
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
    }
  };

  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      toast('info', 'Public key copied.');
    } catch {
      toast('error', 'The clipboard is not available here; select the key and copy it.');
    }
  };

  return (
    <div className="card" data-testid="fleet-key">
      <h2>Fleet key</h2>
      {error ? (
        <p className="error-text">{error}</p>
      ) : fleetKey === undefined ? (
        <p className="muted">Loading…</p>
      ) : fleetKey === null ? (
        <>
          <p className="muted" data-testid="fleet-key-none">
            There is no fleet key yet. Fleetdeck logs in to appliances with it; its private half stays in this computer’s vault and never
            leaves it. Appliances authorize its public half.
          </p>
          <button type="button" className="btn primary" data-testid="fleet-key-generate" disabled={busy} onClick={() => void generate()}>
            {busy ? 'Generating…' : 'Generate fleet key'}
          </button>
        </>
      ) : (
        <>
          <dl className="fields">
            <dt>Type</dt>
            <dd>{fleetKey.type}</dd>
            <dt>Fingerprint</dt>
            <dd className="fp" data-testid="fleet-key-fingerprint">
              {fleetKey.fingerprint}
            </dd>
            <dt>Passphrase</dt>
            <dd>{fleetKey.passphraseProtected ? 'protected by a passphrase' : 'none'}</dd>
            <dt>Public key</dt>
            <dd>
              <textarea className="input key-text" readOnly rows={3} value={fleetKey.publicKey} data-testid="fleet-key-public" aria-label="Public key" />
              <button type="button" className="btn small" onClick={() => void copy(fleetKey.publicKey)}>
                Copy for authorized_keys
              </button>
            </dd>
          </dl>
        </>
      )}
    </div>
  );
}
