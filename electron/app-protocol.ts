/**
 * app://fleetdeck/ serves the built renderer (out/renderer) instead of file://: a standard, secure
 * origin of its own, the same path guard as the browser host, and the CSP on the page.
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { contentTypeFor, rendererCsp, resolveRendererFile } from '../main/host/renderer-files';
import { APP_HOST, APP_SCHEME } from './channels';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

export function serveAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return plain(404, 'Not found.');
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Only GET is served here.');
    const found = resolveRendererFile(rendererDir, url.pathname);
    if (found.kind === 'refused') return plain(400, 'That path is not allowed.');
    if (found.kind === 'not-found') return plain(404, 'Not found.');
    let body: Buffer;
    try {
      body = await readFile(found.path);
    } catch {
      return plain(404, 'Not found.');
    }
    const headers: Record<string, string> = { ...COMMON_HEADERS, 'Content-Type': contentTypeFor(found.path) };
    if (found.kind === 'index') headers['Content-Security-Policy'] = rendererCsp();
    return new Response(new Uint8Array(body), { status: 200, headers });
  });
}
