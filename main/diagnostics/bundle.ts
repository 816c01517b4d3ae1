/**
 * Diagnostics bundles: one tar.gz (tar-stream, gzip by node:zlib) per appliance or site, ready to
 * attach to a ticket: per appliance its inventory record, `ocactl status`, `ocactl config get`,
 * recent `ocactl logs`, its diagnostics runs and its health with the history the engine holds;
 * a manifest at the top. Everything passes through redact() first: values under secret-looking
 * keys, secret-looking `key=value` / `key: value` text, bearer tokens, URL credentials and
 * private-key blocks become [REDACTED].
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';

export const REDACTED = '[REDACTED]';

const SECRET_KEY = /pass(word|wd|phrase)?|secret|token|credential|private[-_ ]?key|api[-_ ]?key|auth(orization)?$|cookie|community/i;
const TEXT_RULES: ReadonlyArray<[RegExp, (m: string, ...groups: string[]) => string]> = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, () => REDACTED],
  [/\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, (_m, word) => `${word} ${REDACTED}`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)([^\s:/@]+):([^\s@/]+)@/gi, (_m, scheme, user) => `${scheme}${user}:${REDACTED}@`],
  [
    /\b((?:[\w.-]*?)(?:pass(?:word|wd|phrase)?|secret|token|credential|api[-_]?key|community))(\s*[=:]\s*|\s+is\s+)("[^"]*"|'[^']*'|[^\s,;]+)/gi,
    (_m, key, sep) => `${key}${sep}${REDACTED}`,
  ],
];

/** Redact secrets in a JSON-like value; returns the copy and how many secrets it replaced. */
export function redact(value: unknown): { value: unknown; count: number } {
  let count = 0;
  const text = (s: string): string => {
    let out = s;
    for (const [re, replace] of TEXT_RULES) {
      out = out.replace(re, (...args: unknown[]) => {
        count++;
        return replace(...(args.filter((a) => typeof a === 'string') as [string, ...string[]]));
      });
    }
    return out;
  };
  const walk = (v: unknown, key: string | null): unknown => {
    if (key !== null && SECRET_KEY.test(key) && v !== null && v !== '' && typeof v !== 'boolean' && typeof v !== 'object') {
      count++;
      return REDACTED;
    }
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, null));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  const out = walk(value, null);
  return { value: out, count };
}

export interface BundleEntry {
  /** Path inside the archive (below the bundle's top folder). */
  name: string;
  content: unknown;
}

/**
 * Write the entries as `<top>/<name>` JSON files of a tar.gz at `path`, each redacted.
 * Returns the names written and the number of secrets redacted.
 */
export async function writeBundle(path: string, top: string, entries: readonly BundleEntry[], mtime: Date): Promise<{ files: string[]; redactions: number }> {
  const tar = pack();
  const files: string[] = [];
  let redactions = 0;
  const out = pipeline(tar, createGzip(), createWriteStream(path, { mode: 0o600 }));
  for (const e of entries) {
    const { value, count } = redact(e.content);
    redactions += count;
    const body = Buffer.from(JSON.stringify(value, null, 2) + '\n');
    const name = `${top}/${e.name}`;
    await new Promise<void>((resolve, reject) => tar.entry({ name, size: body.length, mtime, mode: 0o644 }, body, (err) => (err ? reject(err) : resolve())));
    files.push(name);
  }
  tar.finalize();
  await out;
  return { files, redactions };
}
