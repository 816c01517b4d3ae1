/** On a snapshot: whose snapshot of when, that nothing can be changed here, and the way back to the live fleet. */
import { formatDateTime } from '../../ui/format';
import { useSnapshots } from './store';
import './snapshots.css';

export function SnapshotBanner() {
  const s = useSnapshots((st) => st.current);
  const busy = useSnapshots((st) => st.busy);
  const error = useSnapshots((st) => st.error);
  if (!s) return null;
  return (
    <div className="banner snapshot-banner" role="status" data-testid="snapshot-banner" data-taken-at={s.takenAt}>
      <span>
        Snapshot by <strong>{s.takenBy}</strong> of {s.hostName} ({s.dataDir}), taken {formatDateTime(s.takenAt)}
        {s.where ? `, only ${s.where}` : ''}: read-only. Ages are as of that moment; nothing here can be changed and nothing is polled.
      </span>{' '}
      <button type="button" className="btn" disabled={busy} onClick={() => void useSnapshots.getState().back()} data-testid="snapshot-back">
        Back to the live fleet
      </button>
      {error?.code === 'E_UNAVAILABLE' && (
        <span className="snapshot-back-error" data-testid="snapshot-back-error">
          {' '}
          {error.message}
        </span>
      )}
    </div>
  );
}
