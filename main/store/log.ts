/**
 * The engine log: one JSON line per entry in <data-dir>/engine.log. Values under keys that name
 * secrets are redacted before they are written, whoever forgot to leave them out.
 */
import { appendFileSync } from 'node:fs';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const SECRET_KEY = /pass(word|phrase)?|secret|private.?key|token|credential/i;
const PEM_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(PEM_BLOCK, '[redacted private key]');
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export function fileLogger(path: string, now: () => number = Date.now): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({ at: new Date(now()).toISOString(), level, message, ...(redact(fields ?? {}) as object) });
    try {
      appendFileSync(path, line + '\n', { mode: 0o600 });
    } catch {
      // A full disk must not take the engine down with it.
    }
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
