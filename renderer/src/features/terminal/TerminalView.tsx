/**
 * One session in an xterm.js terminal: keystrokes and pastes to the appliance, its output shown,
 * the size fitted to the box and sent to the appliance when it changes, 5,000 lines of scrollback.
 * Copy: select and press Ctrl+Shift+C (or the Copy button); paste: Ctrl+Shift+V, the browser's
 * own paste, or the Paste button. Tab goes to the shell (completion); Escape then Tab (or Shift+Tab)
 * leaves the terminal for the page, so a keyboard user is never kept in it (the Escape still goes to
 * the shell too; the hint in the terminal's bar says so). xterm's DOM renderer draws with element styles and one <style>
 * element, which the renderer's CSP allows (style-src 'self' 'unsafe-inline'; no inline scripts).
 */
import { useEffect, useId, useRef } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { leavesOnEscapeTab } from './keys';
import { attachSink, useTerminals } from './store';
import { toastError } from '../../stores/ui';

export const SCROLLBACK_LINES = 5000;

export function TerminalView({ sessionId }: { sessionId: string }) {
  const box = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const view = useTerminals((s) => s.sessions[sessionId]);
  const open = view?.state === 'open';
  const hintId = useId();

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const term = new Terminal({
      scrollback: SCROLLBACK_LINES,
      cursorBlink: true,
      convertEol: false,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      fontSize: 13,
    });
    termRef.current = term;
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    const store = useTerminals.getState();
    const { earlier, detach } = attachSink(sessionId, (data) => term.write(data));
    if (earlier) term.write(earlier);
    const copy = () => {
      const text = term.getSelection();
      if (text) void navigator.clipboard?.writeText(text).catch(() => undefined);
    };
    term.textarea?.setAttribute('aria-describedby', hintId);
    const leaves = leavesOnEscapeTab();
    term.attachCustomKeyEventHandler((e) => {
      if (leaves(e)) return false; // the browser moves the focus out of the terminal
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'KeyC') {
        copy();
        return false;
      }
      if (e.code === 'KeyV') {
        void navigator.clipboard
          ?.readText()
          .then((text) => term.paste(text))
          .catch(() => undefined);
        return false;
      }
      return true;
    });
    const onData = term.onData((data) => void useTerminals.getState().write(sessionId, data));
    let last = { cols: 0, rows: 0 };
    const refit = () => {
      try {
        fit.fit();
      } catch {
        return; // not laid out yet
      }
      if (term.cols === last.cols && term.rows === last.rows) return;
      last = { cols: term.cols, rows: term.rows };
      const current = useTerminals.getState().sessions[sessionId]?.info;
      if (current && (current.cols !== term.cols || current.rows !== term.rows)) {
        store.resize(sessionId, term.cols, term.rows).catch(toastError);
      }
    };
    const observer = new ResizeObserver(() => refit());
    observer.observe(el);
    refit();
    // xterm.js draws only while on screen: bring a new terminal into view, with the keyboard on it.
    el.scrollIntoView({ block: 'nearest' });
    term.focus();
    return () => {
      observer.disconnect();
      onData.dispose();
      detach();
      termRef.current = null;
      term.dispose();
    };
  }, [sessionId, hintId]);

  const copySelection = () => {
    const text = termRef.current?.getSelection();
    if (text) void navigator.clipboard?.writeText(text).catch(() => undefined);
  };
  const pasteClipboard = () => {
    void navigator.clipboard
      ?.readText()
      .then((text) => termRef.current?.paste(text))
      .catch(() => undefined);
  };

  if (!view) return <p className="muted">This terminal is gone.</p>;
  return (
    <div className="terminal-view" data-testid="terminal-view" data-session={sessionId} data-state={view.state} data-cols={view.info.cols} data-rows={view.info.rows}>
      <div className="terminal-bar">
        <span className="mono">
          {view.info.serial} · {view.info.hostname}
          {view.info.via.length > 0 && <> · via {view.info.via.join(' → ')}</>}
        </span>
        <span className="muted" data-testid="terminal-size">
          {view.info.cols}×{view.info.rows}
        </span>
        <span className="spacer" />
        <span className="muted terminal-hint" id={hintId} data-testid="terminal-leave-hint">
          Tab goes to the shell; <kbd>Esc</kbd> then <kbd>Tab</kbd> leaves the terminal
        </span>
        <button type="button" className="btn small" onClick={copySelection} title="Copy the selection (Ctrl+Shift+C)">
          Copy
        </button>
        <button type="button" className="btn small" onClick={pasteClipboard} disabled={!open} title="Paste (Ctrl+Shift+V)">
          Paste
        </button>
        {open ? (
          <button type="button" className="btn small" data-testid="terminal-close" onClick={() => useTerminals.getState().close(sessionId).catch(toastError)}>
            Close
          </button>
        ) : (
          <button type="button" className="btn small" onClick={() => useTerminals.getState().dismiss(sessionId)}>
            Dismiss
          </button>
        )}
      </div>
      {!open && (
        <div className="banner" role="status" data-testid="terminal-ended">
          Session ended: {view.reason ?? 'closed'}.
        </div>
      )}
      <div className="terminal-box" ref={box} data-testid="terminal-box" />
    </div>
  );
}
