/**
 * One appliance: every field, its lifecycle status with who/why/when, its audit trail; edit it,
 * change its status (a reason is required for drained, offline and rma; drained and back to online
 * offer to drain/undrain the device too), or delete it.
 */
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { LIFECYCLE_STATUSES, type Appliance, type LifecycleStatus } from '../../../../main/inventory/contract';
import { ApplianceForm } from './ApplianceForm';
import { AuditList } from '../audit/AuditList';
import { DetailPlaceholder } from '../../ui/DetailPlaceholder';
import { DeviceActionDialog, DeviceActionOffer, type DeviceAction } from './DeviceActionOffer';
import { ApplianceHealthCard, HeaderHealth } from '../health/ApplianceHealthCard';
import { Field } from '../../ui/Field';
import { FieldRow } from '../../ui/FieldRow';
import { FormFooter } from '../../ui/FormFooter';
import { HostKeyWarning } from '../net/HostKeyWarning';
import { ApplianceRunCommand } from '../jobs/TableRunCommand';
import { Modal } from '../../ui/Modal';
import { StatusChip } from './StatusChip';
import { deviceActionFor } from '../jobs/command-presets';
import { formatCount, formatDateTime } from '../../ui/format';
import { hashFor } from '../../route';
import { needsReason, statusChangeProblem } from './status-change';
import { asApiError } from '../../stores/engine';
import { useInventory } from './store';
import { useUi } from '../../stores/ui';
import { ApplianceTerminalCard } from '../terminal/ApplianceTerminalCard';
import { DiagnosticsPanel } from '../diagnostics/DiagnosticsPanel';
import { HistoryPanel } from '../history/HistoryPanel';
import type { DiagCheck } from '../../../../main/diagnostics/contract';

export function ApplianceScreen({ serial, checks }: { serial: string; checks?: DiagCheck[] | undefined }) {
  const detail = useInventory((s) => (s.appliance?.key === serial ? s.appliance : null));
  const loadAppliance = useInventory((s) => s.loadAppliance);
  const [mode, setMode] = useState<'view' | 'edit' | 'status'>('view');
  /** The button that opened the status or edit panel: focus goes back to it when the panel closes. */
  const opener = useRef<HTMLButtonElement | null>(null);
  const statusButton = useRef<HTMLButtonElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const open = (next: 'edit' | 'status') => {
    opener.current = next === 'edit' ? editButton.current : statusButton.current;
    setMode(next);
  };
  const close = () => setMode('view');
  useEffect(() => {
    if (mode !== 'view' || !opener.current) return;
    // Only when focus was left nowhere (the panel that held it is gone); a dialog that opened keeps it.
    if (document.activeElement === document.body || document.activeElement === null) opener.current.focus();
    opener.current = null;
  }, [mode]);
  const escapeCloses = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      close();
    }
  };
  const [deleting, setDeleting] = useState(false);
  /** After a status change: drain or undrain the device too (the review dialog). */
  const [deviceRun, setDeviceRun] = useState<{ action: DeviceAction; status: LifecycleStatus } | null>(null);
  const toast = useUi((s) => s.toast);

  useEffect(() => {
    void loadAppliance(serial);
  }, [serial, loadAppliance]);

  const data = detail?.data;
  if (!data) {
    return (
      <DetailPlaceholder
        parent={{ label: 'Appliances', href: hashFor({ name: 'appliances', query: useInventory.getState().list.query }) }}
        name={serial}
        error={detail?.error}
        notFound={`There is no appliance ${serial} in the inventory.`}
        testId="appliance-missing"
      />
    );
  }

  const { appliance: a, site, audit } = data;
  return (
    <div className="page" data-testid="appliance-detail" data-serial={a.serial}>
      <div className="crumbs">
        <a href={hashFor({ name: 'appliances', query: useInventory.getState().list.query })}>Appliances</a> /{' '}
        <a href={hashFor({ name: 'site', code: a.site })}>{a.site}</a> / {a.serial}
      </div>
      <div className="page-head">
        <h1>
          <span className="mono">{a.serial}</span>
        </h1>
        <span>{a.hostname}</span>
        <StatusChip status={a.status} />
        <HeaderHealth serial={a.serial} />
        <div className="spacer" />
        <ApplianceRunCommand serial={a.serial} />
        <button type="button" className="btn" ref={statusButton} data-testid="change-status" onClick={() => (mode === 'status' ? close() : open('status'))} aria-expanded={mode === 'status'}>
          Change status
        </button>
        <button type="button" className="btn" ref={editButton} data-testid="edit-appliance" onClick={() => open('edit')} disabled={mode === 'edit'}>
          Edit
        </button>
        <button type="button" className="btn danger" data-testid="delete-appliance" onClick={() => setDeleting(true)}>
          Delete
        </button>
      </div>

      <HostKeyWarning serial={a.serial} />

      {deviceRun && <DeviceActionDialog serial={a.serial} action={deviceRun.action} status={deviceRun.status} onClose={() => setDeviceRun(null)} />}

      {mode === 'status' && (
        <StatusPanel
          appliance={a}
          onDone={(next, device) => {
            close();
            // With the device action the review says it (and a toast would follow onto the job's page).
            if (device) setDeviceRun({ action: device, status: next });
            else toast('info', `${a.serial} is now ${next}.`);
          }}
          onCancel={close}
          onKeyDown={escapeCloses}
        />
      )}

      {mode === 'edit' ? (
        <div className="card" onKeyDown={escapeCloses}>
          <h2>Edit {a.serial}</h2>
          <ApplianceForm
            mode="edit"
            original={a}
            onCancel={close}
            onSaved={() => {
              close();
              toast('info', `Saved ${a.serial}.`);
            }}
          />
        </div>
      ) : (
        <div className="detail-grid">
          <div className="card">
            <h2>Appliance</h2>
            <dl className="fields">
              <FieldRow name="serial" label="Serial" mono>
                {a.serial}
              </FieldRow>
              <FieldRow name="hostname" label="Hostname">
                {a.hostname}
              </FieldRow>
              <FieldRow name="site" label="Site">
                <a href={hashFor({ name: 'site', code: a.site })}>{a.site}</a> — {site.name}, {site.city} {site.country}
              </FieldRow>
              <FieldRow name="partner" label="Partner">
                {a.partner} <span className="muted">AS{site.asn}</span>
              </FieldRow>
              <FieldRow name="model" label="Model">
                {a.model}
              </FieldRow>
              <FieldRow name="firmware" label="Firmware" mono>
                {a.firmware || '—'}
              </FieldRow>
              <FieldRow name="storageTb" label="Storage">
                {formatCount(a.storageTb)} TB
              </FieldRow>
              <FieldRow name="nicGbps" label="NIC">
                {formatCount(a.nicGbps)} Gbps
              </FieldRow>
              <FieldRow name="tags" label="Tags">
                {a.tags.length ? (
                  <span className="chips">
                    {a.tags.map((t) => (
                      <span key={t} className="tag">
                        {t}
                      </span>
                    ))}
                  </span>
                ) : (
                  '—'
                )}
              </FieldRow>
              <FieldRow name="notes" label="Notes">
                {a.notes || '—'}
              </FieldRow>
            </dl>
          </div>
          <div>
            <div className="card">
              <h2>Lifecycle</h2>
              <dl className="fields">
                <FieldRow name="status" label="Status">
                  <StatusChip status={a.status} />
                </FieldRow>
                <FieldRow name="statusReason" label="Reason">
                  {a.statusReason ?? '—'}
                </FieldRow>
                <FieldRow name="statusChangedBy" label="Changed by">
                  {a.statusChangedBy ?? '—'}
                </FieldRow>
                <FieldRow name="statusChangedAt" label="Changed at">
                  {formatDateTime(a.statusChangedAt)}
                </FieldRow>
                <FieldRow name="createdAt" label="Added">
                  {formatDateTime(a.createdAt)}
                </FieldRow>
                <FieldRow name="updatedAt" label="Updated">
                  {formatDateTime(a.updatedAt)}
                </FieldRow>
              </dl>
            </div>
            <div className="card">
              <h2>Management</h2>
              <dl className="fields">
                <FieldRow name="ipv4" label="IPv4" mono>
                  {a.ipv4 ?? '—'}
                </FieldRow>
                <FieldRow name="ipv6" label="IPv6" mono>
                  {a.ipv6 ?? '—'}
                </FieldRow>
                <FieldRow name="sshPort" label="SSH port">
                  {a.sshPort}
                </FieldRow>
                <FieldRow name="apiPort" label="API port">
                  {a.apiPort}
                </FieldRow>
                <FieldRow name="hostKeyFingerprint" label="Host key" mono>
                  {a.hostKeyFingerprint ?? <span className="muted">not recorded yet</span>}
                </FieldRow>
              </dl>
            </div>
          </div>
        </div>
      )}

      {mode !== 'edit' && <ApplianceHealthCard serial={a.serial} lifecycle={a.status} />}
      {mode !== 'edit' && <HistoryPanel key={a.serial} scope={{ kind: 'appliance', serial: a.serial }} title="History: serving, cache hit ratio, errors" />}

      {mode !== 'edit' && <ApplianceTerminalCard serial={a.serial} />}
      {mode !== 'edit' && <DiagnosticsPanel key={checks?.join(',') ?? ''} subject={{ serial: a.serial }} focus={checks} />}

      <div className="card section">
        <h2>Audit</h2>
        <AuditList entries={audit} testId="appliance-audit" />
      </div>

      {deleting && <DeleteDialog appliance={a} onClose={() => setDeleting(false)} />}
    </div>
  );
}


function StatusPanel({
  appliance,
  onDone,
  onCancel,
  onKeyDown,
}: {
  appliance: Appliance;
  /** `device`: also drain/undrain the appliance itself (the user left the offer checked). */
  onDone: (status: LifecycleStatus, device: DeviceAction | null) => void;
  onCancel: () => void;
  onKeyDown: (e: KeyboardEvent) => void;
}) {
  const setStatus = useInventory((s) => s.setStatus);
  const [next, setNext] = useState<LifecycleStatus>(appliance.status === 'online' ? 'drained' : 'online');
  const [alsoDevice, setAlsoDevice] = useState(true);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local = statusChangeProblem(appliance.status, next, reason);
    if (local) {
      setProblem(local);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await setStatus(appliance.serial, next, reason);
      onDone(next, alsoDevice ? deviceActionFor(appliance.status, next) : null);
    } catch (err) {
      setProblem(asApiError(err).message);
    } finally {
      setBusy(false);
    }
  };

  const required = needsReason(next);
  return (
    <form className="card status-panel" onSubmit={(e) => void submit(e)} onKeyDown={onKeyDown} noValidate data-testid="status-form">
      <h2>Change status of {appliance.serial}</h2>
      <div className="inline-form">
        <Field label="New status">
          {(a) => (
            <select
              {...a}
              className="input"
              data-testid="status-select"
              value={next}
              autoFocus
              onChange={(e) => {
                setNext(e.target.value as LifecycleStatus);
                setProblem(null);
              }}
            >
              {LIFECYCLE_STATUSES.map((s) => (
                <option key={s} value={s} disabled={s === appliance.status}>
                  {s}
                  {s === appliance.status ? ' (current)' : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={required ? 'Reason (required)' : 'Reason (optional)'} className="grow" error={problem ?? undefined}>
          {(a) => (
            <input
              {...a}
              className="input"
              data-testid="status-reason"
              value={reason}
              placeholder={required ? 'e.g. disk 7 failing, RMA ticket 4411' : ''}
              onChange={(e) => {
                setReason(e.target.value);
                setProblem(null);
              }}
            />
          )}
        </Field>
        <button type="button" className="btn" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="btn primary" data-testid="status-save" disabled={busy}>
          {busy ? 'Saving…' : 'Set status'}
        </button>
      </div>
      <DeviceActionOffer current={appliance.status} next={next} checked={alsoDevice} onChange={setAlsoDevice} />
    </form>
  );
}

function DeleteDialog({ appliance, onClose }: { appliance: Appliance; onClose: () => void }) {
  const deleteAppliance = useInventory((s) => s.deleteAppliance);
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setProblem('A reason is required; it goes into the audit log.');
      return;
    }
    setBusy(true);
    try {
      await deleteAppliance(appliance.serial, reason);
      toast('info', `Deleted ${appliance.serial}.`);
      onClose();
      navigate({ name: 'appliances', query: useInventory.getState().list.query }, { replace: true });
    } catch (err) {
      setProblem(asApiError(err).message);
      setBusy(false);
    }
  };

  return (
    <Modal title={`Delete ${appliance.serial}?`} onClose={onClose} narrow testId="delete-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <p>
          This removes <strong>{appliance.hostname}</strong> from the inventory. The audit log keeps a record.
        </p>
        <Field label="Reason" error={problem ?? undefined}>
          {(a) => (
            <input
              {...a}
              className="input"
              data-testid="delete-reason"
              value={reason}
              autoFocus
              onChange={(e) => {
                setReason(e.target.value);
                setProblem(null);
              }}
            />
          )}
        </Field>
        <FormFooter busy={busy} onCancel={onClose} label="Delete appliance" busyLabel="Deleting…" testId="delete-confirm" tone="danger" />
      </form>
    </Modal>
  );
}
