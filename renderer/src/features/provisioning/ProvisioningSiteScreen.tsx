/**
 * One site's provisioning: each appliance's checklist live (find, host key, secure, drain,
 * configure, accept, online), why a stopped one stopped and what to do, the host-key confirmation
 * inline (the key it presented, to compare with its label), which appliances had their factory
 * password rotated and the vault entry holding the new one, retry one appliance or the site, the
 * expected re-key of a re-imaged appliance (with a reason), and the audit of who did what.
 */
import { useEffect, useState } from 'react';
import { PROVISION_STEPS, STEP_LABELS, type ProvisioningAppliance } from '../../../../main/provisioning/contract';
import { AuditList } from '../audit/AuditList';
import { DetailPlaceholder } from '../../ui/DetailPlaceholder';
import { hashFor } from '../../route';
import { useProvisioning } from './store';

function stepState(a: ProvisioningAppliance, index: number): 'done' | 'running' | 'failed' | 'waiting' {
  if (index < a.stepsDone) return 'done';
  if (index === a.stepsDone && a.state === 'failed') return 'failed';
  if (index === a.stepsDone && a.state === 'running') return 'running';
  return 'waiting';
}

const MARK = { done: '✓', running: '…', failed: '✗', waiting: '·' } as const;

function Checklist({ a }: { a: ProvisioningAppliance }) {
  return (
    <ol className="prov-steps" aria-label={`Checklist of ${a.serial}`}>
      {PROVISION_STEPS.map((step, i) => {
        const state = stepState(a, i);
        return (
          <li key={step} data-testid="prov-step" data-step={step} data-state={state} className={`prov-step ${state}`} title={STEP_LABELS[step]}>
            <span aria-hidden="true">{MARK[state]}</span> {STEP_LABELS[step]}
          </li>
        );
      })}
    </ol>
  );
}

function ApplianceRow({ a, site }: { a: ProvisioningAppliance; site: string }) {
  const provision = useProvisioning((s) => s.provision);
  const confirmHostKey = useProvisioning((s) => s.confirmHostKey);
  const expectRekey = useProvisioning((s) => s.expectRekey);
  const [reason, setReason] = useState<string | null>(null);
  const unknownKey = a.state === 'failed' && a.errorCode === 'E_HOSTKEY_UNKNOWN' && a.presentedFingerprint;
  return (
    <li className="card prov-row" data-testid="prov-row" data-serial={a.serial} data-state={a.state}>
      <div className="page-head">
        <h3>
          <a href={hashFor({ name: 'appliance', serial: a.serial })}>{a.serial}</a> <span className="muted">{a.hostname}</span>
        </h3>
        <span className="muted" data-testid="prov-status">
          {a.status}
        </span>
      </div>
      <Checklist a={a} />
      {a.passwordVault && (
        <p className="prov-password" data-testid="prov-password-vault">
          Factory password rotated: the new one is kept only in the vault, as <code>{a.passwordVault}</code>
        </p>
      )}
      {a.state === 'failed' && (
        <div role="alert" data-testid="prov-error">
          <p>
            <strong>{a.errorCode}</strong>: {a.errorMessage}
          </p>
          {a.hint && <p data-testid="prov-hint">What to do: {a.hint}</p>}
        </div>
      )}
      {unknownKey && (
        <div className="fp-box presented" data-testid="prov-hostkey">
          <div className="k">Host key it presents (nobody has vouched for it): compare with the label or the console</div>
          <div className="fp" data-testid="prov-presented-fp">
            {a.presentedFingerprint}
          </div>
          <button
            type="button"
            className="btn primary"
            data-testid="prov-confirm-key"
            onClick={() =>
              void (async () => {
                await confirmHostKey(a.serial, a.presentedFingerprint!);
                await provision(site, false, [a.serial]);
              })()
            }
          >
            It matches: trust it and continue
          </button>
        </div>
      )}
      <div className="actions">
        {a.state === 'failed' && !unknownKey && (
          <button type="button" className="btn" data-testid="prov-retry" onClick={() => void provision(site, false, [a.serial])}>
            Retry
          </button>
        )}
        {reason === null ? (
          <button type="button" className="btn" data-testid="prov-rekey" onClick={() => setReason('')}>
            Expected re-key…
          </button>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void expectRekey(a.serial, reason).then(() => setReason(null));
            }}
          >
            <label>
              Why was it re-imaged?{' '}
              <input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="prov-rekey-reason" minLength={3} maxLength={500} required />
            </label>{' '}
            <button type="submit" className="btn" data-testid="prov-rekey-submit">
              Record expected re-key
            </button>
          </form>
        )}
      </div>
    </li>
  );
}

export function ProvisioningSiteScreen({ code }: { code: string }) {
  const detail = useProvisioning((s) => (s.site?.code === code ? s.site : null));
  const loadSite = useProvisioning((s) => s.loadSite);
  const provision = useProvisioning((s) => s.provision);
  const [acceptNew, setAcceptNew] = useState(false);
  const rotatePassword = useProvisioning((s) => s.rotatePassword);
  const setRotatePassword = useProvisioning((s) => s.setRotatePassword);

  useEffect(() => {
    void loadSite(code);
  }, [code, loadSite]);

  const data = detail?.data;
  if (!data) {
    return <DetailPlaceholder parent={{ label: 'Provisioning', href: hashFor({ name: 'provisioning' }) }} name={code} error={detail?.error} notFound={`No survey for ${code}.`} />;
  }
  const online = data.appliances.filter((a) => a.state === 'done').length;
  const pending = data.appliances.length - online;
  const running = data.job?.state === 'running';
  const stepsDone = data.appliances.reduce((n, a) => n + a.stepsDone, 0);
  const stepsAll = data.appliances.length * PROVISION_STEPS.length;
  const rotated = data.appliances.filter((a) => a.passwordVault).length;
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          Provisioning <a href={hashFor({ name: 'site', code: data.site })}>{data.site}</a>
        </h1>
        <span data-testid="prov-online-count">
          {online} of {data.appliances.length} online
        </span>
        {rotated > 0 && (
          <span className="muted" data-testid="prov-rotated-count">
            {rotated} password{rotated === 1 ? '' : 's'} rotated into the vault
          </span>
        )}
      </div>
      <div className="card">
        <div className="actions">
          <button type="button" className="btn primary" data-testid="provision-start" disabled={pending === 0 || running} onClick={() => void provision(data.site, acceptNew)}>
            {running ? 'Provisioning…' : `Provision ${pending} appliance${pending === 1 ? '' : 's'}`}
          </button>
          <label>
            <input type="checkbox" checked={acceptNew} onChange={(e) => setAcceptNew(e.target.checked)} data-testid="provision-accept-new" /> trust host keys met for the first
            time without asking
          </label>
          <label title="Where the survey does not say: keep password login, with a new random password stored only in the vault, instead of turning password login off">
            <input type="checkbox" checked={rotatePassword} onChange={(e) => setRotatePassword(e.target.checked)} data-testid="provision-rotate-password" /> rotate
            factory passwords into the vault (keep password login)
          </label>
          <progress value={stepsDone} max={stepsAll} data-testid="prov-progress" aria-label="Checklist steps done across the site">
            {stepsDone} of {stepsAll}
          </progress>
          {data.job && (
            <a href={hashFor({ name: 'job', id: data.job.id })} data-testid="prov-job">
              job {data.job.id}: {data.job.state}
            </a>
          )}
        </div>
      </div>
      <ol className="prov-list" data-testid="prov-appliances">
        {data.appliances.map((a) => (
          <ApplianceRow key={a.serial} a={a} site={data.site} />
        ))}
      </ol>
      <div className="card">
        <h2>Who did what</h2>
        <AuditList entries={data.audit} testId="prov-audit" showTarget />
      </div>
    </div>
  );
}
