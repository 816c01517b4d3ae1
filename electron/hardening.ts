/**
 * Electron's security checklist, applied to every session and web contents: no navigation away
 * from app://, no new windows, no webviews, no permissions beyond copying text, no remote content.
 */
import type { IpcMainEvent, Session, WebContents, WebFrameMain } from 'electron';
import { APP_ORIGIN } from './channels';

export const isAppUrl = (url: string): boolean => url === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);

/** Only our own page's top frame may talk to the shell. */
export function isTrustedSender(event: IpcMainEvent): boolean {
  const frame: WebFrameMain | null = event.senderFrame;
  return frame !== null && frame.parent === null && isAppUrl(frame.url);
}

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(permission === 'clipboard-sanitized-write' && isAppUrl(details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => {
    return permission === 'clipboard-sanitized-write' && requestingOrigin === APP_ORIGIN;
  });
  // The window needs nothing from any network: the engine is reached over a MessagePort.
  session.webRequest.onBeforeRequest(
    { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file://*/*', 'ftp://*/*'] },
    (_details, callback) => callback({ cancel: true }),
  );
}

export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
