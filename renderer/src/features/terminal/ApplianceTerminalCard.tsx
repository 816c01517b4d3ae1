/** The Terminal card on an appliance's page: open a terminal here (shown inline) and browse its staging files. */
import { useState } from 'react';
import { toastError } from '../../stores/ui';
import { FilesPanel } from './FilesPanel';
import { TerminalView } from './TerminalView';
import { useTerminals } from './store';
import './terminal.css';

export function ApplianceTerminalCard({ serial }: { serial: string }) {
  const sessionId = useTerminals((s) => [...s.order].reverse().find((id) => s.sessions[id]?.info.serial === serial) ?? null);
  const [opening, setOpening] = useState(false);
  const [files, setFiles] = useState(false);
  const open = async () => {
    setOpening(true);
    try {
      await useTerminals.getState().open(serial);
    } catch (err) {
      toastError(err);
    } finally {
      setOpening(false);
    }
  };
  return (
    <div className="card section" data-testid="appliance-terminal">
      <h2>Terminal</h2>
      <div className="actions">
        <button type="button" className="btn small" onClick={() => void open()} disabled={opening} data-testid="open-terminal">
          {opening ? 'Opening…' : sessionId ? 'Open another terminal' : 'Open terminal'}
        </button>
        <a className="btn small" href="#/terminals">
          All terminals
        </a>
        <button type="button" className="btn small" onClick={() => setFiles((f) => !f)} data-testid="toggle-files" aria-expanded={files}>
          {files ? 'Hide staging files' : 'Staging files'}
        </button>
      </div>
      {sessionId && <TerminalView key={sessionId} sessionId={sessionId} />}
      {files && <FilesPanel serial={serial} />}
    </div>
  );
}
