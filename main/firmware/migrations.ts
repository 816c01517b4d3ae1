/**
 * The firmware domain's schema: the image store and the release keys it trusts.
 * Never edit a released migration: add the next version here and list it in main/migrations.ts.
 */
import type { Migration } from '../store/migrations';

export const firmwareMigrations: readonly Migration[] = [
  {
    version: 7,
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
