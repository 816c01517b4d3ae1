/** On an appliance's page: its open host-key alert (connections are refused until it is resolved). */
import { useShallow } from 'zustand/react/shallow';
import { hashFor } from '../../route';
import { alertsForAppliance, useNet } from './store';
import '../jobs/jobs.css';

export function HostKeyWarning({ serial }: { serial: string }) {
  const alerts = useNet(useShallow((s) => alertsForAppliance(s.alerts, serial)));
  const a = alerts[0];
  if (!a) return null;
  return (
    <div className="warn-note hk-warning" role="alert" data-testid="hostkey-warning">
      <div>
        <strong>Host-key mismatch.</strong> This appliance presented <span className="fp">{a.presented}</span> instead of the recorded{' '}
        <span className="fp">{a.expected}</span>. Fleetdeck refuses to connect to it until the alert is resolved.{' '}
        <a href={hashFor({ name: 'hostkeys' })}>Open host-key alerts</a>
      </div>
    </div>
  );
}

/** The count of open host-key alerts, for the navigation. */
export function HostKeyBadge() {
  const open = useNet((s) => s.alerts?.length ?? 0);
  if (open === 0) return null;
  return (
    <span className="nav-badge" data-testid="nav-hostkeys-badge" aria-label={`${open} open host-key alert${open === 1 ? '' : 's'}`}>
      {open}
    </span>
  );
}
