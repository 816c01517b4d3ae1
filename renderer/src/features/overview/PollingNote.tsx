/** Says so when health is not being polled, with the way to turn it on (the overview, the Health screen). */
import { pollingNote } from '../health/format';
import { hashFor } from '../../route';
import { useHealth } from '../health/store';

export function PollingNote({ linkToHealth = true }: { linkToHealth?: boolean }) {
  const note = useHealth((s) => pollingNote(s.monitor, s.monitorStatus));
  if (!note) return null;
  return (
    <p className="warn-note" role="status" data-testid="polling-note">
      {note}
      {linkToHealth && (
        <>
          {' '}
          <a href={hashFor({ name: 'health', status: [] })}>Open Health</a>
        </>
      )}
    </p>
  );
}
