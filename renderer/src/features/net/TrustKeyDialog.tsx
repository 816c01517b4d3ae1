/**
 * First contact: an appliance presented a host key Fleetdeck has no record of (E_HOSTKEY_UNKNOWN).
 * The fingerprint is shown large, to compare with the site survey or the appliance's console, and
 * recorded (audited) only when the engineer confirms.
 */
import { useState } from 'react';
import { createPortal } from 'react-dom';
import { useNet } from './store';
import { useUi } from '../../stores/ui';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import '../jobs/jobs.css';

export function CompareAndTrust({ serial, fingerprint }: { serial: string; fingerprint: string }) {
  const trusted = useNet((s) => s.trusted[serial]);
  const [open, setOpen] = useState(false);
  if (trusted === fingerprint) {
    return (
      <span className="trusted-mark" data-testid="trusted-mark">
        ✓ trusted
      </span>
    );
  }
  return (
    <>
      <button type="button" className="btn small" data-testid="compare-trust" onClick={() => setOpen(true)}>
        Compare and trust…
      </button>
      {/* A portal: the button sits in a table cell whose nowrap and colours the dialog must not inherit. */}
      {open && createPortal(<TrustKeyDialog serial={serial} fingerprint={fingerprint} onClose={() => setOpen(false)} />, document.body)}
    </>
  );
}

export function TrustKeyDialog({ serial, fingerprint, onClose }: { serial: string; fingerprint: string; onClose: () => void }) {
  const trustHostKey = useNet((s) => s.trustHostKey);
  const toast = useUi((s) => s.toast);
  const action = async () => {
    await trustHostKey(serial, fingerprint);
    toast('info', `${serial}: host key ${fingerprint} is now trusted.`);
    onClose();
  };

  return (
    <ConfirmDialog
      title={`Trust the host key of ${serial}?`}
      testId="trust-dialog"
      onClose={onClose}
      action={action}
      label="They match: trust this key"
      busyLabel="Trusting…"
      confirmTestId="trust-confirm"
    >
      <p>
        This is the first contact with <strong>{serial}</strong>. It presented this host key:
      </p>
      <code className="fp big" data-testid="trust-fingerprint">
        {fingerprint}
      </code>
      <p className="muted">
        Compare it, character by character, with the fingerprint from the site survey or from the appliance’s console (
        <span className="mono">ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</span>). Trust it only if they match: from then on any other key
        is refused as a possible man in the middle.
      </p>
    </ConfirmDialog>
  );
}
