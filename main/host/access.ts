/**
 * Who may talk to the browser host: requests addressed to 127.0.0.1/localhost/[::1] on our port
 * (DNS rebinding defence), from our own origin or none, carrying the per-run token either in the
 * URL (`?token=`) or in the HttpOnly cookie the page received with it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Compares in constant time (hashing first makes unequal lengths constant time too). */
export function tokensMatch(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 512) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

export type Verdict = { ok: true; fromQuery: boolean } | { ok: false; status: 401 | 403; reason: string };

export class AccessPolicy {
  readonly cookieName: string;
  private readonly hosts: Set<string>;

  constructor(
    readonly token: string,
    readonly port: number,
  ) {
    // Cookies are not port-specific: name ours after the port so two hosts never overwrite each other.
    this.cookieName = `fleetdeck_${port}`;
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  }

  /** The origins a page served by this host can have. */
  get origins(): string[] {
    return [...this.hosts].map((h) => `http://${h}`);
  }

  /** For the CSP's connect-src. CSP has no syntax for IPv6 literals; 'self' covers [::1]. */
  get webSocketOrigins(): string[] {
    return [`ws://127.0.0.1:${this.port}`, `ws://localhost:${this.port}`];
  }

  setCookieHeader(): string {
    return `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /**
   * The checks every request passes, in order: Host (403), Origin (403), fetch metadata (403),
   * token (401).
   */
  check(req: IncomingMessage, queryToken: string | null): Verdict {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.hosts.has(host)) {
      return { ok: false, status: 403, reason: `This Fleetdeck engine answers only at 127.0.0.1:${this.port}.` };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) {
      return { ok: false, status: 403, reason: 'Requests from other web pages are refused.' };
    }
    // A browser says where a request comes from: only our own pages (or the user typing the URL,
    // or following a link to it) may reach us.
    const site = req.headers['sec-fetch-site'];
    const mode = req.headers['sec-fetch-mode'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none' && mode !== 'navigate') {
      return { ok: false, status: 403, reason: 'Requests from other web pages are refused.' };
    }
    if (tokensMatch(this.token, queryToken)) return { ok: true, fromQuery: true };
    if (tokensMatch(this.token, this.cookieToken(req))) return { ok: true, fromQuery: false };
    return {
      ok: false,
      status: 401,
      reason: 'This Fleetdeck engine needs its access token: open the URL that `fleetdeck serve` printed.',
    };
  }

  private cookieToken(req: IncomingMessage): string | null {
    const header = req.headers.cookie;
    if (!header) return null;
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === this.cookieName) return part.slice(eq + 1).trim();
    }
    return null;
  }
}
