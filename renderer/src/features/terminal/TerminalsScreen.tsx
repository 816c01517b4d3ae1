/**
 * Every terminal this window opened, as tabs; the chosen one shown. Broadcast sends one line to
 * several terminals, only to targets ticked in a visible list and only after a confirmation that
 * names each target and asks for their count.
 */
import { useState } from 'react';
import { Modal } from '../../ui/Modal';
import { toastError, useUi } from '../../stores/ui';
import { TerminalView } from './TerminalView';
import { useTerminals } from './store';
import './terminal.css';

export function TerminalsScreen() {
  const order = useTerminals((s) => s.order);
  const sessions = useTerminals((s) => s.sessions);
  const active = useTerminals((s) => s.active);
  const [serial, setSerial] = useState('');
  const [targets, setTargets] = useState<string[]>([]);
  const [line, setLine] = useState('');
  const [confirming, setConfirming] = useState(false);

  const openOne = async () => {
    const s = serial.trim();
    if (!s) return;
    try {
      await useTerminals.getState().open(s);
      setSerial('');
    } catch (err) {
      toastError(err);
    }
  };
  const openIds = order.filter((id) => sessions[id]?.state === 'open');
  const chosen = targets.filter((id) => openIds.includes(id));

  return (
    <div className="page terminals" data-testid="terminals-screen">
      <div className="page-head">
        <h1>Terminals</h1>
        <span className="spacer" />
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void openOne();
          }}
        >
          <label>
            Serial{' '}
            <input value={serial} onChange={(e) => setSerial(e.target.value)} data-testid="terminals-serial" placeholder="OCA serial" />
          </label>
          <button type="submit" className="btn small primary" disabled={!serial.trim()}>
            Open terminal
          </button>
        </form>
      </div>
      {order.length === 0 ? (
        <p className="muted">No terminals open in this window. Open one here or from an appliance&apos;s page.</p>
      ) : (
        <>
          <div className="tabs" role="tablist" aria-label="Terminals">
            {order.map((id) => {
              const view = sessions[id]!;
              return (
                <button
                  key={id}
                  type="button"
                  role="tab"
                  aria-selected={id === active}
                  className={`tab ${id === active ? 'active' : ''}`}
                  data-testid="terminal-tab"
                  data-serial={view.info.serial}
                  onClick={() => useTerminals.getState().setActive(id)}
                >
                  {view.info.serial}
                  {view.state === 'closed' ? ' (ended)' : ''}
                </button>
              );
            })}
          </div>
          {active && sessions[active] && <TerminalView key={active} sessionId={active} />}
          {openIds.length > 1 && (
            <div className="card section" data-testid="broadcast">
              <h2>Broadcast a line</h2>
              <fieldset>
                <legend>Send to</legend>
                {openIds.map((id) => (
                  <label key={id} className="check">
                    <input
                      type="checkbox"
                      data-testid="broadcast-target"
                      data-serial={sessions[id]!.info.serial}
                      checked={targets.includes(id)}
                      onChange={(e) => setTargets((t) => (e.target.checked ? [...t, id] : t.filter((x) => x !== id)))}
                    />{' '}
                    {sessions[id]!.info.serial} <span className="muted">{sessions[id]!.info.hostname}</span>
                  </label>
                ))}
              </fieldset>
              <form
                className="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (chosen.length > 0 && line) setConfirming(true);
                }}
              >
                <input value={line} onChange={(e) => setLine(e.target.value)} placeholder="a command line, e.g. ocactl status" data-testid="broadcast-line" />
                <button type="submit" className="btn small" disabled={chosen.length === 0 || !line}>
                  Send to {chosen.length} terminal{chosen.length === 1 ? '' : 's'}…
                </button>
              </form>
            </div>
          )}
        </>
      )}
      {confirming && (
        <BroadcastConfirm
          targets={chosen.map((id) => ({ id, serial: sessions[id]!.info.serial }))}
          line={line}
          onClose={() => setConfirming(false)}
          onSent={() => {
            setConfirming(false);
            setLine('');
          }}
        />
      )}
    </div>
  );
}

function BroadcastConfirm({ targets, line, onClose, onSent }: { targets: Array<{ id: string; serial: string }>; line: string; onClose: () => void; onSent: () => void }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const send = async () => {
    setBusy(true);
    try {
      const sent = await useTerminals.getState().broadcast(
        targets.map((t) => t.id),
        `${line}\r`,
        Number(typed),
      );
      useUi.getState().toast('info', `Sent to ${sent.join(', ')}.`);
      onSent();
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={`Send to ${targets.length} terminals`} onClose={onClose} narrow testId="broadcast-confirm">
      <p>
        This line goes to every terminal below, as if typed in each: <code>{line}</code>
      </p>
      <ul data-testid="broadcast-list">
        {targets.map((t) => (
          <li key={t.id} className="mono">
            {t.serial}
          </li>
        ))}
      </ul>
      <label>
        Type the number of terminals ({targets.length}) to send it{' '}
        <input value={typed} onChange={(e) => setTyped(e.target.value)} inputMode="numeric" data-testid="broadcast-count" autoFocus />
      </label>
      <div className="actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="btn primary" disabled={busy || Number(typed) !== targets.length} onClick={() => void send()} data-testid="broadcast-send">
          Send
        </button>
      </div>
    </Modal>
  );
}
