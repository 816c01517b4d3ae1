/**
 * OpenSSH known_hosts, read and written: plain and hashed (`|1|salt|hmac`) host fields,
 * `[host]:port` for non-standard ports, comma lists, `*`/`?` wildcards, `!` negation and the
 * `@revoked` marker. `@cert-authority` lines are read but not trusted (no certificate support).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { parsePublicKeyLine, type HostKey } from '../keys/host-key';
import { isWildcard, patternListMatches } from './host-pattern';

export type KnownHostMarker = 'revoked' | 'cert-authority';

export interface KnownHostEntry {
  /** 1-based line number in the file it came from. */
  line: number;
  marker: KnownHostMarker | null;
  /** Plain patterns (`host`, `[host]:2222`, `*.isp.net`, `!bad`), or null for a hashed entry. */
  patterns: string[] | null;
  hashed: { salt: Buffer; hash: Buffer } | null;
  key: HostKey;
}

export interface KnownHostsProblem {
  line: number;
  reason: string;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string): { entries: KnownHostEntry[]; problems: KnownHostsProblem[] } {
  const entries: KnownHostEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostMarker | null = null;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        problems.push({ line, reason: `unknown marker ${m}` });
        return;
      }
    }
    const [hostField, type, b64] = fields;
    if (!hostField || !type || !b64) {
      problems.push({ line, reason: 'expected: hosts key-type base64-key [comment]' });
      return;
    }
    const key = parsePublicKeyLine(`${type} ${b64}`);
    if (!key) {
      problems.push({ line, reason: `the ${type} key is not valid base64 of that key type` });
      return;
    }
    if (hostField.startsWith('|1|')) {
      const [, , salt, hash] = hostField.split('|');
      const saltBuf = Buffer.from(salt ?? '', 'base64');
      const hashBuf = Buffer.from(hash ?? '', 'base64');
      if (saltBuf.length !== 20 || hashBuf.length !== 20) {
        problems.push({ line, reason: 'a hashed host field is |1|<base64 salt>|<base64 hmac-sha1>' });
        return;
      }
      entries.push({ line, marker, patterns: null, hashed: { salt: saltBuf, hash: hashBuf }, key });
      return;
    }
    entries.push({ line, marker, patterns: hostField.split(','), hashed: null, key });
  });
  return { entries, problems };
}

function hashName(salt: Buffer, name: string): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}

/** Whether an entry names this host and port, as OpenSSH decides it. */
export function entryMatches(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = knownHostName(host, port);
  if (entry.hashed) return hashName(entry.hashed.salt, name).equals(entry.hashed.hash);
  return patternListMatches(entry.patterns ?? [], name);
}

/**
 * Entries arranged for many look-ups (an import matches every appliance of the inventory):
 * entries naming hosts literally are found by name; only hashed and wildcard entries are tried
 * one by one, and `scanned` says how many those are (the work each look-up costs).
 */
export class KnownHostsIndex {
  private readonly byName = new Map<string, KnownHostEntry[]>();
  private readonly scan: KnownHostEntry[] = [];

  constructor(entries: readonly KnownHostEntry[]) {
    for (const entry of entries) {
      if (entry.marker === 'cert-authority') continue;
      const positive = (entry.patterns ?? []).filter((p) => !p.startsWith('!'));
      if (entry.hashed || positive.some(isWildcard)) {
        this.scan.push(entry);
        continue;
      }
      for (const name of new Set(positive.map((p) => p.toLowerCase()))) {
        const list = this.byName.get(name);
        if (list) list.push(entry);
        else this.byName.set(name, [entry]);
      }
    }
  }

  /** Hashed and wildcard entries: each look-up tries every one of them. */
  get scanned(): number {
    return this.scan.length;
  }

  lookup(host: string, port: number): { keys: HostKey[]; revoked: HostKey[] } {
    const literal = this.byName.get(knownHostName(host, port).toLowerCase()) ?? [];
    return lookupKnownHost(literal.length ? [...literal, ...this.scan] : this.scan, host, port);
  }
}

/** Keys recorded for a host (trusted) and keys marked @revoked for it. */
export function lookupKnownHost(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
): { keys: HostKey[]; revoked: HostKey[] } {
  const keys: HostKey[] = [];
  const revoked: HostKey[] = [];
  for (const entry of entries) {
    if (entry.marker === 'cert-authority' || !entryMatches(entry, host, port)) continue;
    (entry.marker === 'revoked' ? revoked : keys).push(entry.key);
  }
  return { keys, revoked: revoked };
}

export interface KnownHostLine {
  /** Names for the entry: hostname, address, or both (each becomes its own hashed line). */
  hosts: string[];
  port: number;
  key: HostKey;
  comment?: string;
}

/** One known_hosts line per entry; hashed form writes one line per name with a fresh salt. */
export function formatKnownHosts(
  lines: readonly KnownHostLine[],
  options: { hashed?: boolean; salt?: () => Buffer } = {},
): string {
  const salt = options.salt ?? (() => randomBytes(20));
  const out: string[] = [];
  for (const entry of lines) {
    const names = entry.hosts.map((h) => knownHostName(h, entry.port));
    const suffix = `${entry.key.type} ${entry.key.base64}${entry.comment ? ` ${entry.comment}` : ''}`;
    if (options.hashed) {
      for (const name of names) {
        const s = salt();
        out.push(`|1|${s.toString('base64')}|${hashName(s, name).toString('base64')} ${suffix}`);
      }
    } else if (names.length) {
      out.push(`${names.join(',')} ${suffix}`);
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}
