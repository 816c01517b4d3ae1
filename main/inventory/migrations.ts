/**
 * The inventory's schema (partners, sites, appliances, tags) and the shared audit log, which came with it.
 * Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const inventoryMigrations: readonly Migration[] = [
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
    version: 6,
    name: 'inventory: free-text search through an FTS5 trigram index instead of scanning a covering index',
    sql: `
      -- Contentless (the text already lives in appliances.search), with positions (detail=full) so a
      -- term of 3 or more characters is a phrase of its trigrams: exactly a substring. Case-sensitive
      -- over the already lower-cased haystack, so it matches as LIKE on that column always did.
      CREATE VIRTUAL TABLE appliances_fts USING fts5(
        search, content='', contentless_delete=1, tokenize='trigram case_sensitive 1', detail=full
      );
      INSERT INTO appliances_fts (rowid, search) SELECT id, search FROM appliances;
      -- The covering index of the haystack was for scanning it; terms under 3 characters still scan
      -- the column, which costs about as much without the index, and every insert is cheaper.
      DROP INDEX appliances_search;
      CREATE TRIGGER appliances_fts_insert AFTER INSERT ON appliances
        BEGIN INSERT INTO appliances_fts (rowid, search) VALUES (new.id, new.search); END;
      CREATE TRIGGER appliances_fts_delete AFTER DELETE ON appliances
        BEGIN DELETE FROM appliances_fts WHERE rowid = old.id; END;
      CREATE TRIGGER appliances_fts_update AFTER UPDATE ON appliances WHEN old.search IS NOT new.search
        BEGIN
          DELETE FROM appliances_fts WHERE rowid = old.id;
          INSERT INTO appliances_fts (rowid, search) VALUES (new.id, new.search);
        END;
    `,
  },
  {
    version: 19,
    name: 'inventory: the trigram index keeps each searched field in a column of its own',
    sql: `
      -- One column per field instead of one joined haystack: no trigrams across two fields (a term
      -- has no spaces, so it never matched across two), and about a fifth fewer postings to write
      -- on every insert. A phrase matches inside one column, so a term still matches exactly
      -- where it is a substring of one of the fields.
      DROP TRIGGER appliances_fts_insert;
      DROP TRIGGER appliances_fts_delete;
      DROP TRIGGER appliances_fts_update;
      DROP TABLE appliances_fts;
      CREATE VIRTUAL TABLE appliances_fts USING fts5(
        serial, hostname, ipv4, ipv6, firmware,
        content='', contentless_delete=1, tokenize='trigram case_sensitive 1', detail=full
      );
      -- Postings gather in memory up to 16 MiB before they are written as a segment (the default is
      -- 1 MiB): a bulk import writes a few large segments instead of many small ones merged again.
      INSERT INTO appliances_fts (appliances_fts, rank) VALUES ('hashsize', 16777216);
      INSERT INTO appliances_fts (rowid, serial, hostname, ipv4, ipv6, firmware)
        SELECT id, lower(serial), lower(hostname), lower(ipv4), lower(ipv6), lower(firmware) FROM appliances;
      CREATE TRIGGER appliances_fts_insert AFTER INSERT ON appliances
        BEGIN
          INSERT INTO appliances_fts (rowid, serial, hostname, ipv4, ipv6, firmware)
            VALUES (new.id, lower(new.serial), lower(new.hostname), lower(new.ipv4), lower(new.ipv6), lower(new.firmware));
        END;
      CREATE TRIGGER appliances_fts_delete AFTER DELETE ON appliances
        BEGIN DELETE FROM appliances_fts WHERE rowid = old.id; END;
      CREATE TRIGGER appliances_fts_update AFTER UPDATE ON appliances WHEN old.search IS NOT new.search
        BEGIN
          DELETE FROM appliances_fts WHERE rowid = old.id;
          INSERT INTO appliances_fts (rowid, serial, hostname, ipv4, ipv6, firmware)
            VALUES (new.id, lower(new.serial), lower(new.hostname), lower(new.ipv4), lower(new.ipv6), lower(new.firmware));
        END;
    `,
  },
  {
    version: 21,
    name: 'inventory: no stored free-text haystack column',
    sql: `
      -- Since version 19 the trigram index keeps each field apart; the lower-cased joined haystack
      -- stored in every row (about 40 bytes, computed on every insert) served only terms of one or
      -- two characters, which the query now computes from the fields as it scans. A bulk import
      -- writes about 5 % less and spends about 0.1 s less per 100,000 appliances.
      DROP TRIGGER appliances_fts_update;
      ALTER TABLE appliances DROP COLUMN search;
      CREATE TRIGGER appliances_fts_update AFTER UPDATE OF serial, hostname, ipv4, ipv6, firmware ON appliances
        WHEN old.serial IS NOT new.serial OR old.hostname IS NOT new.hostname OR old.ipv4 IS NOT new.ipv4
          OR old.ipv6 IS NOT new.ipv6 OR old.firmware IS NOT new.firmware
        BEGIN
          DELETE FROM appliances_fts WHERE rowid = old.id;
          INSERT INTO appliances_fts (rowid, serial, hostname, ipv4, ipv6, firmware)
            VALUES (new.id, lower(new.serial), lower(new.hostname), lower(new.ipv4), lower(new.ipv6), lower(new.firmware));
        END;
    `,
  },
  {
    version: 22,
    name: 'inventory: the trigram index leaves firmware out (versions are few; a term is looked for in them directly)',
    sql: `
      -- A fleet runs a handful of firmware versions: their trigrams were a fifth of every row's
      -- postings (about 0.1 s of a 100,000-appliance import) to find values a walk over the firmware
      -- index lists in well under a millisecond. The query looks for a term in the distinct versions
      -- and takes their appliances through that index.
      DROP TRIGGER appliances_fts_insert;
      DROP TRIGGER appliances_fts_delete;
      DROP TRIGGER appliances_fts_update;
      DROP TABLE appliances_fts;
      CREATE VIRTUAL TABLE appliances_fts USING fts5(
        serial, hostname, ipv4, ipv6,
        content='', contentless_delete=1, tokenize='trigram case_sensitive 1', detail=full
      );
      INSERT INTO appliances_fts (appliances_fts, rank) VALUES ('hashsize', 16777216);
      INSERT INTO appliances_fts (rowid, serial, hostname, ipv4, ipv6)
        SELECT id, lower(serial), lower(hostname), lower(ipv4), lower(ipv6) FROM appliances;
      CREATE TRIGGER appliances_fts_insert AFTER INSERT ON appliances
        BEGIN
          INSERT INTO appliances_fts (rowid, serial, hostname, ipv4, ipv6)
            VALUES (new.id, lower(new.serial), lower(new.hostname), lower(new.ipv4), lower(new.ipv6));
        END;
      CREATE TRIGGER appliances_fts_delete AFTER DELETE ON appliances
        BEGIN DELETE FROM appliances_fts WHERE rowid = old.id; END;
      CREATE TRIGGER appliances_fts_update AFTER UPDATE OF serial, hostname, ipv4, ipv6 ON appliances
        WHEN old.serial IS NOT new.serial OR old.hostname IS NOT new.hostname OR old.ipv4 IS NOT new.ipv4
          OR old.ipv6 IS NOT new.ipv6
        BEGIN
          DELETE FROM appliances_fts WHERE rowid = old.id;
          INSERT INTO appliances_fts (rowid, serial, hostname, ipv4, ipv6)
            VALUES (new.id, lower(new.serial), lower(new.hostname), lower(new.ipv4), lower(new.ipv6));
        END;
    `,
  },
];
