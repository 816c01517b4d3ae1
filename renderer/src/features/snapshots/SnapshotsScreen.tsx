/**
 * Snapshots: open one read-only in a window of its own, and compare two (inventory, health and
 * firmware between them). Files are named by their path on the machine the engine runs on (the
 * browser host serves 127.0.0.1 only, so that is this machine); `fleetdeck snapshot export` makes them.
 */
import { useState, type FormEvent } from 'react';
import { useSnapshots } from './store';
import type { SnapshotDiff } from '../../../../main/snapshots/contract';
import { formatDateTime } from '../../ui/format';
import { Field } from '../../ui/Field';

export function SnapshotsScreen() {
  const current = useSnapshots((s) => s.current);
  const busy = useSnapshots((s) => s.busy);
  const error = useSnapshots((s) => s.error);
  const diff = useSnapshots((s) => s.diff);
  const [file, setFile] = useState('');
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [opened, setOpened] = useState<string | null>(null);

  const onOpen = async (e: FormEvent) => {
    e.preventDefault();
    const shown = await useSnapshots.getState().open(file.trim());
    // In the desktop app this window itself shows the snapshot once the app has reloaded it.
    if (shown && !shown.sameWindow) {
      setOpened(shown.url);
      window.open(shown.url, '_blank', 'noopener');
    }
  };
  const onCompare = (e: FormEvent) => {
    e.preventDefault();
    void useSnapshots.getState().compare(a.trim(), b.trim());
  };

  return (
    <div className="page" data-testid="snapshots-screen">
      <h1>Snapshots</h1>
      <p className="muted">
        A snapshot is the fleet in one file, to look at offline or hand to a colleague: make one with{' '}
        <code>fleetdeck snapshot export --out FILE [--where FILTER]</code>. Files are named by their path on this machine.
      </p>
      {error && (
        <div className="card error" role="alert" data-testid="snapshots-error">
          {error.message} <span className="code">{error.code}</span>
        </div>
      )}
      {!current && (
        <form className="card" onSubmit={(e) => void onOpen(e)} data-testid="snapshot-open-form">
          <h2>Open snapshot…</h2>
          <div className="inline-form">
            <Field label="Snapshot file" className="grow">
              {(p) => <input {...p} className="input mono" value={file} onChange={(e) => setFile(e.target.value)} placeholder="/path/to/fleet.fdsnap" data-testid="snapshot-open-path" />}
            </Field>
            <button type="submit" className="btn primary" disabled={busy || !file.trim()} data-testid="snapshot-open">
              Open read-only
            </button>
          </div>
          {opened && (
            <p data-testid="snapshot-opened">
              Opened in a new window: <a href={opened} target="_blank" rel="noopener noreferrer">open it again</a>.
            </p>
          )}
        </form>
      )}
      <form className="card" onSubmit={onCompare} data-testid="snapshot-compare-form">
        <h2>Compare two snapshots</h2>
        <div className="inline-form">
          <Field label="Older (A)" className="grow">
            {(p) => <input {...p} className="input mono" value={a} onChange={(e) => setA(e.target.value)} placeholder="/path/to/older.fdsnap" data-testid="snapshot-compare-a" />}
          </Field>
          <Field label="Newer (B)" className="grow">
            {(p) => <input {...p} className="input mono" value={b} onChange={(e) => setB(e.target.value)} placeholder="/path/to/newer.fdsnap" data-testid="snapshot-compare-b" />}
          </Field>
          <button type="submit" className="btn" disabled={busy || !a.trim() || !b.trim()} data-testid="snapshot-compare">
            Compare
          </button>
        </div>
      </form>
      {diff && <DiffView diff={diff} />}
    </div>
  );
}

function DiffView({ diff }: { diff: SnapshotDiff }) {
  const inv = diff.inventory;
  return (
    <section className="card" data-testid="snapshot-diff">
      <h2>
        {formatDateTime(diff.a.takenAt)} → {formatDateTime(diff.b.takenAt)}
      </h2>
      <p data-testid="snapshot-diff-summary">
        {inv.added.length} added, {inv.removed.length} removed, {inv.changed.length} changed; health changed on {diff.health.length}; firmware
        changed on {diff.firmware.changed.length}
      </p>
      <table className="plain">
        <thead>
          <tr>
            <th>Serial</th>
            <th>Site</th>
            <th>What changed</th>
          </tr>
        </thead>
        <tbody>
          {inv.added.map((x) => (
            <tr key={`+${x.serial}`} data-testid="snapshot-diff-row" data-kind="added">
              <td>{x.serial}</td>
              <td>{x.site}</td>
              <td>added ({x.model}, {x.firmware})</td>
            </tr>
          ))}
          {inv.removed.map((x) => (
            <tr key={`-${x.serial}`} data-testid="snapshot-diff-row" data-kind="removed">
              <td>{x.serial}</td>
              <td>{x.site}</td>
              <td>removed</td>
            </tr>
          ))}
          {inv.changed.map((x) => (
            <tr key={`~${x.serial}`} data-testid="snapshot-diff-row" data-kind="changed">
              <td>{x.serial}</td>
              <td>{x.site}</td>
              <td>
                {Object.entries(x.changes)
                  .map(([f, v]) => `${f}: ${String(v.from)} → ${String(v.to)}`)
                  .join('; ')}
              </td>
            </tr>
          ))}
          {diff.health.map((x) => (
            <tr key={`h${x.serial}`} data-testid="snapshot-diff-row" data-kind="health">
              <td>{x.serial}</td>
              <td>{x.site}</td>
              <td>
                health {x.from} → {x.to}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
