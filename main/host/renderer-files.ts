/**
 * The built renderer (out/renderer) as files a window may load: one path guard and one content
 * security policy, shared by the browser host and the desktop shell's app:// protocol.
 * Pure Node (no electron, no engine), so the shell may import it.
 */
import { realpathSync, statSync } from 'node:fs';
import { extname, posix, resolve, sep } from 'node:path';

export type RendererFile =
  | { kind: 'file'; path: string }
  /** The page itself: "/", or an app route such as "/sites/12" (SPA fallback). */
  | { kind: 'index'; path: string }
  | { kind: 'not-found' }
  /** `..`, NUL, backslashes or bad escapes: refused outright. */
  | { kind: 'refused' };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Maps a URL path (raw, still percent-encoded, without the query) to a file under rootDir.
 * Never answers with anything outside rootDir, following symlinks included.
 */
export function resolveRendererFile(rootDir: string, rawPath: string): RendererFile {
  const root = resolve(rootDir);
  const index = resolve(root, 'index.html');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'refused' };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { kind: 'refused' };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { kind: 'refused' };

  const relative = posix.normalize(decoded).replace(/^\/+/, '');
  if (relative === '' || relative === 'index.html') return { kind: 'index', path: index };
  const candidate = resolve(root, relative);
  if (!candidate.startsWith(root + sep)) return { kind: 'refused' };
  if (isFile(candidate)) {
    try {
      const real = realpathSync(candidate);
      if (!real.startsWith(realpathSync(root) + sep)) return { kind: 'refused' };
    } catch {
      return { kind: 'not-found' };
    }
    return { kind: 'file', path: candidate };
  }
  // An app route (no file extension in its last segment) gets the page; a missing asset gets 404.
  const last = segments[segments.length - 1] ?? '';
  return last.includes('.') ? { kind: 'not-found' } : { kind: 'index', path: index };
}

/**
 * Whether a URL path names a build output whose name carries a hash of its content (Vite's
 * `assets/<name>-<hash>.<ext>`): such a file never changes under its name, so a window may keep it
 * (a reload then reads the renderer's scripts from the cache, compiled code included).
 */
export function isContentHashed(urlPath: string): boolean {
  return /^\/assets\/[^/]+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/.test(urlPath);
}

/**
 * The content security policy for the renderer's page. No inline or eval'd script, no plugins, no
 * framing, no forms posting anywhere, and connections only to the engine. Inline style attributes
 * are allowed (React and uPlot set element styles).
 */
export function rendererCsp(connectSrc: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${["'self'", ...connectSrc].join(' ')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
