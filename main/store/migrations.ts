/**
 * Schema migrations, oldest first. Never edit a released migration: add the next version.
 * Each domain appends its own; versions are consecutive from 1.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'inventory: partners, sites, appliances, tags, append-only audit log',
    sql: `
      CREATE TABLE partners (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        asn INTEGER NOT NULL CHECK (asn BETWEEN 1 AND 4294967295),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE sites (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        partner_id INTEGER NOT NULL REFERENCES partners(id),
        name TEXT NOT NULL,
        city TEXT NOT NULL,
        country TEXT NOT NULL,
        latitude REAL NOT NULL,
        longitude REAL NOT NULL,
        timezone TEXT NOT NULL,
        maintenance_window TEXT NOT NULL,
        fill_window TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sites_partner ON sites(partner_id, code);

      CREATE TABLE appliances (
        id INTEGER PRIMARY KEY,
        serial TEXT NOT NULL UNIQUE,
        hostname TEXT NOT NULL,
        site_id INTEGER NOT NULL REFERENCES sites(id),
        model TEXT NOT NULL CHECK (model IN ('storage', 'flash')),
        ipv4 TEXT,
        ipv6 TEXT,
        ssh_port INTEGER NOT NULL,
        api_port INTEGER NOT NULL,
        storage_tb REAL NOT NULL,
        nic_gbps REAL NOT NULL,
        firmware TEXT NOT NULL,
        status TEXT NOT NULL
          CHECK (status IN ('awaiting-install', 'provisioning', 'online', 'drained', 'offline', 'rma')),
        status_reason TEXT,
        status_changed_by TEXT,
        status_changed_at TEXT,
        host_key_fingerprint TEXT,
        -- tags, sorted and ';'-joined, for reading; appliance_tags below is what filters use
        tags TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        -- free-text search: one lower-case haystack kept by SQLite itself
        search TEXT NOT NULL GENERATED ALWAYS AS (
          lower(serial || ' ' || hostname || ' ' || coalesce(ipv4, '') || ' ' || coalesce(ipv6, '') || ' ' || firmware)
        ) STORED,
        CHECK (ipv4 IS NOT NULL OR ipv6 IS NOT NULL)
      ) STRICT;
      CREATE INDEX appliances_site ON appliances(site_id, serial);
      CREATE INDEX appliances_status ON appliances(status, serial);
      CREATE INDEX appliances_model ON appliances(model, serial);
      CREATE INDEX appliances_firmware ON appliances(firmware, serial);
      CREATE INDEX appliances_hostname ON appliances(hostname, serial);
      CREATE INDEX appliances_storage ON appliances(storage_tb, serial);
      CREATE INDEX appliances_updated ON appliances(updated_at, serial);
      -- a covering index of the search haystack: free text scans this short column, not the rows
      CREATE INDEX appliances_search ON appliances(search);

      CREATE TABLE appliance_tags (
        tag TEXT NOT NULL,
        appliance_id INTEGER NOT NULL REFERENCES appliances(id) ON DELETE CASCADE,
        PRIMARY KEY (tag, appliance_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX appliance_tags_appliance ON appliance_tags(appliance_id, tag);

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        details TEXT NOT NULL CHECK (json_valid(details))
      ) STRICT;
      CREATE INDEX audit_log_target ON audit_log(target, id);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'net: settings, jump hosts, routes, seen host keys, host-key alerts; jobs and their per-appliance results',
    sql: `
      CREATE TABLE net_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT;

      CREATE TABLE net_jump_hosts (
        name TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        username TEXT NOT NULL,
        via TEXT REFERENCES net_jump_hosts(name) ON UPDATE CASCADE ON DELETE RESTRICT,
        host_key_fingerprint TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE net_routes (
        scope TEXT NOT NULL CHECK (scope IN ('site', 'appliance')),
        key TEXT NOT NULL,
        jump_host TEXT NOT NULL REFERENCES net_jump_hosts(name) ON UPDATE CASCADE ON DELETE CASCADE,
        PRIMARY KEY (scope, key)
      ) STRICT;

      -- Every host key an appliance or bastion presented (public keys only), for known_hosts export
      -- and for trusting a key the user confirmed by its fingerprint.
      CREATE TABLE net_host_keys (
        target TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        key_type TEXT NOT NULL,
        key_base64 TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        PRIMARY KEY (target, fingerprint)
      ) STRICT;

      CREATE TABLE net_hostkey_alerts (
        id INTEGER PRIMARY KEY,
        target TEXT NOT NULL,
        host TEXT NOT NULL,
        port INTEGER NOT NULL,
        expected TEXT NOT NULL,
        presented TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        resolved_at TEXT,
        resolved_by TEXT,
        resolution TEXT CHECK (resolution IN ('trusted-new-key', 'dismissed'))
      ) STRICT;
      CREATE INDEX net_hostkey_alerts_open ON net_hostkey_alerts(target, presented) WHERE resolved_at IS NULL;

      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'cancelled', 'interrupted')),
        actor TEXT NOT NULL,
        spec TEXT NOT NULL CHECK (json_valid(spec)),
        total INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        retry_of INTEGER REFERENCES jobs(id)
      ) STRICT;
      CREATE INDEX jobs_state ON jobs(state, id);

      CREATE TABLE job_results (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        serial TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'ok', 'failed', 'cancelled', 'interrupted')),
        exit_code INTEGER,
        output TEXT,
        stderr TEXT,
        error_code TEXT,
        error_message TEXT,
        started_at TEXT,
        finished_at TEXT,
        PRIMARY KEY (job_id, serial)
      ) STRICT;
      CREATE INDEX job_results_seq ON job_results(job_id, seq);
    `,
  },
  {
    version: 3,
    name: 'jobs: the process that runs a job (so another process does not mark it interrupted)',
    sql: `
      ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;
      ALTER TABLE jobs ADD COLUMN owner_host TEXT;
    `,
  },
  {
    version: 4,
    name: 'health: latest measured state per appliance, thresholds per model, monitor settings',
    sql: `
      CREATE TABLE health_latest (
        serial TEXT PRIMARY KEY,
        measured_at TEXT,
        last_poll_at TEXT,
        error_code TEXT,
        error_message TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        components TEXT NOT NULL,
        metrics TEXT,
        since TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE health_thresholds (
        model TEXT PRIMARY KEY CHECK (model IN ('storage', 'flash')),
        value TEXT NOT NULL CHECK (json_valid(value)),
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE health_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: 'firmware: the image store (signed images) and trusted release keys',
    sql: `
      CREATE TABLE firmware_images (
        version TEXT PRIMARY KEY,
        size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        file_name TEXT NOT NULL,
        signature_file TEXT NOT NULL,
        signer_fingerprint TEXT NOT NULL,
        signer_comment TEXT NOT NULL,
        signature_hash TEXT NOT NULL CHECK (signature_hash IN ('sha256', 'sha512')),
        source_name TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        imported_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE firmware_release_keys (
        fingerprint TEXT PRIMARY KEY,
        public_key TEXT NOT NULL,
        comment TEXT NOT NULL,
        trusted_at TEXT NOT NULL,
        trusted_by TEXT NOT NULL
      ) STRICT;
    `,
  },
];
