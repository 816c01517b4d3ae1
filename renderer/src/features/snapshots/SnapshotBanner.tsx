/** On a snapshot: whose snapshot of when, and that nothing can be changed here. */
import { formatDateTime } from '../../ui/format';
import { useSnapshots } from './store';
import './snapshots.css';

export function SnapshotBanner() {
  const s = useSnapshots((st) => st.current);
  if (!s) return null;
  return (
    <div className="banner snapshot-banner" role="status" data-testid="snapshot-banner" data-taken-at={s.takenAt}>
      <span>
        Snapshot by <strong>{s.takenBy}</strong> of {s.hostName} ({s.dataDir}), taken {formatDateTime(s.takenAt)}
        {s.where ? `, only ${s.where}` : ''}: read-only. Ages are as of that moment; nothing here can be changed and nothing is polled.
      </span>
    </div>
  );
}
