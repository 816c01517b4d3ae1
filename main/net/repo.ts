/** The net domain's SQL: settings, jump hosts, routes, presented host keys and host-key alerts. */
import type { Db } from '../store/db';
import type { HostKeyAlert, JumpHost, Route } from './contract';
import type { HostKey } from '../keys/host-key';

interface JumpHostRow {
  name: string;
  host: string;
  port: number;
  username: string;
  via: string | null;
  host_key_fingerprint: string | null;
}

interface AlertRow {
  id: number;
  target: string;
  host: string;
  port: number;
  expected: string;
  presented: string;
  first_seen_at: string;
  last_seen_at: string;
  count: number;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: 'trusted-new-key' | 'dismissed' | null;
}

const toJumpHost = (r: JumpHostRow): JumpHost => ({
  name: r.name,
  host: r.host,
  port: r.port,
  username: r.username,
  via: r.via,
  hostKeyFingerprint: r.host_key_fingerprint,
});

const toAlert = (r: AlertRow): HostKeyAlert => ({
  id: r.id,
  target: r.target,
  host: r.host,
  port: r.port,
  expected: r.expected,
  presented: r.presented,
  firstSeenAt: r.first_seen_at,
  lastSeenAt: r.last_seen_at,
  count: r.count,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
  resolution: r.resolution,
});

export class NetRepo {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  setting(key: string): unknown {
    const row = this.db.prepare('SELECT value FROM net_settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as unknown) : undefined;
  }

  setSetting(key: string, value: unknown): void {
    this.db
      .prepare('INSERT INTO net_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  jumpHosts(): JumpHost[] {
    return (this.db.prepare('SELECT * FROM net_jump_hosts ORDER BY name').all() as JumpHostRow[]).map(toJumpHost);
  }

  jumpHost(name: string): JumpHost | null {
    const row = this.db.prepare('SELECT * FROM net_jump_hosts WHERE name = ?').get(name) as JumpHostRow | undefined;
    return row ? toJumpHost(row) : null;
  }

  upsertJumpHost(j: JumpHost, at: string): void {
    this.db
      .prepare(
        `INSERT INTO net_jump_hosts (name, host, port, username, via, host_key_fingerprint, created_at, updated_at)
         VALUES (@name, @host, @port, @username, @via, @fp, @at, @at)
         ON CONFLICT(name) DO UPDATE SET host = excluded.host, port = excluded.port, username = excluded.username,
           via = excluded.via, host_key_fingerprint = excluded.host_key_fingerprint, updated_at = excluded.updated_at`,
      )
      .run({ name: j.name, host: j.host, port: j.port, username: j.username, via: j.via, fp: j.hostKeyFingerprint, at });
  }

  setJumpHostFingerprint(name: string, fingerprint: string, at: string): void {
    this.db.prepare('UPDATE net_jump_hosts SET host_key_fingerprint = ?, updated_at = ? WHERE name = ?').run(fingerprint, at, name);
  }

  /** Names of jump hosts reached through this one. */
  jumpHostsVia(name: string): string[] {
    return (this.db.prepare('SELECT name FROM net_jump_hosts WHERE via = ?').all(name) as { name: string }[]).map((r) => r.name);
  }

  deleteJumpHost(name: string): boolean {
    return this.db.prepare('DELETE FROM net_jump_hosts WHERE name = ?').run(name).changes > 0;
  }

  routes(): Route[] {
    return (this.db.prepare('SELECT scope, key, jump_host FROM net_routes ORDER BY scope, key').all() as { scope: Route['scope']; key: string; jump_host: string }[]).map(
      (r) => ({ scope: r.scope, key: r.key, jumpHost: r.jump_host }),
    );
  }

  setRoute(scope: Route['scope'], key: string, jumpHost: string | null): void {
    if (jumpHost === null) this.db.prepare('DELETE FROM net_routes WHERE scope = ? AND key = ?').run(scope, key);
    else
      this.db
        .prepare('INSERT INTO net_routes (scope, key, jump_host) VALUES (?, ?, ?) ON CONFLICT(scope, key) DO UPDATE SET jump_host = excluded.jump_host')
        .run(scope, key, jumpHost);
  }

  rememberHostKey(target: string, key: HostKey, at: string): void {
    this.db
      .prepare('INSERT OR IGNORE INTO net_host_keys (target, fingerprint, key_type, key_base64, first_seen_at) VALUES (?, ?, ?, ?, ?)')
      .run(target, key.fingerprint, key.type, key.base64, at);
  }

  hostKey(target: string, fingerprint: string): HostKey | null {
    const row = this.db
      .prepare('SELECT key_type, key_base64 FROM net_host_keys WHERE target = ? AND fingerprint = ?')
      .get(target, fingerprint) as { key_type: string; key_base64: string } | undefined;
    return row ? { type: row.key_type, base64: row.key_base64, fingerprint } : null;
  }

  /** Open an alert for this mismatch, or count one more sighting of the same one. */
  recordMismatch(a: { target: string; host: string; port: number; expected: string; presented: string }, at: string): HostKeyAlert {
    const open = this.db
      .prepare('SELECT id FROM net_hostkey_alerts WHERE target = ? AND presented = ? AND expected = ? AND resolved_at IS NULL')
      .get(a.target, a.presented, a.expected) as { id: number } | undefined;
    let id: number;
    if (open) {
      this.db.prepare('UPDATE net_hostkey_alerts SET count = count + 1, last_seen_at = ? WHERE id = ?').run(at, open.id);
      id = open.id;
    } else {
      id = Number(
        this.db
          .prepare(
            `INSERT INTO net_hostkey_alerts (target, host, port, expected, presented, first_seen_at, last_seen_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(a.target, a.host, a.port, a.expected, a.presented, at, at).lastInsertRowid,
      );
    }
    return this.alert(id)!;
  }

  alert(id: number): HostKeyAlert | null {
    const row = this.db.prepare('SELECT * FROM net_hostkey_alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return row ? toAlert(row) : null;
  }

  alerts(open: boolean): HostKeyAlert[] {
    const sql = open
      ? 'SELECT * FROM net_hostkey_alerts WHERE resolved_at IS NULL ORDER BY id DESC'
      : 'SELECT * FROM net_hostkey_alerts ORDER BY id DESC LIMIT 1000';
    return (this.db.prepare(sql).all() as AlertRow[]).map(toAlert);
  }

  resolveAlert(id: number, resolution: 'trusted-new-key' | 'dismissed', by: string, at: string): void {
    this.db.prepare('UPDATE net_hostkey_alerts SET resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ?').run(at, by, resolution, id);
  }

  /** Close every open alert of a target (its key was re-trusted explicitly). */
  resolveAlertsOf(target: string, by: string, at: string): void {
    this.db
      .prepare("UPDATE net_hostkey_alerts SET resolved_at = ?, resolved_by = ?, resolution = 'trusted-new-key' WHERE target = ? AND resolved_at IS NULL")
      .run(at, by, target);
  }
}
