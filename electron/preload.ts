/**
 * The preload: the only bridge between the page and the shell. It exposes nothing but the platform,
 * asks the shell for the engine's MessagePort when the page wants it, hands the port to the page,
 * and passes on news of the engine stopping. Sandboxed: no Node, no filesystem.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { IPC, PAGE, type EngineStatus } from './channels';

/** The little of the page's window the preload touches (the node tsconfig has no DOM lib). */
declare const window: {
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown, targetOrigin: string, transfer?: unknown[]): void;
};

contextBridge.exposeInMainWorld('fleetdeckDesktop', { platform: process.platform });

// Whoever asks, the port goes to this window only, and the shell checks that the window is ours.
window.addEventListener('message', (event) => {
  if (event.data === PAGE.wantPort) ipcRenderer.send(IPC.wantPort);
});

ipcRenderer.on(IPC.port, (event) => {
  const [port] = event.ports;
  if (port) window.postMessage(PAGE.port, '*', [port]);
});

ipcRenderer.on(IPC.engine, (_event, status: EngineStatus) => {
  window.postMessage(
    { type: PAGE.engine, state: String(status.state), message: String(status.message) },
    '*',
  );
});
