/** The firmware domain's SQL: stored images and trusted release keys. */
import type { Db } from '../store/db';

export interface ImageRow {
  version: string;
  size_bytes: number;
  sha256: string;
  file_name: string;
  signature_file: string;
  signer_fingerprint: string;
  signer_comment: string;
  signature_hash: string;
  source_name: string;
  imported_at: string;
  imported_by: string;
}

export interface KeyRow {
  fingerprint: string;
  public_key: string;
  comment: string;
  trusted_at: string;
  trusted_by: string;
}

export class FirmwareRepo {
  constructor(private readonly db: Db) {}

  images(): ImageRow[] {
    return this.db.prepare('SELECT * FROM firmware_images ORDER BY imported_at DESC, version DESC').all() as ImageRow[];
  }

  image(version: string): ImageRow | undefined {
    return this.db.prepare('SELECT * FROM firmware_images WHERE version = ?').get(version) as ImageRow | undefined;
  }

  insertImage(row: ImageRow): void {
    this.db
      .prepare(
        `INSERT INTO firmware_images (version, size_bytes, sha256, file_name, signature_file, signer_fingerprint, signer_comment,
           signature_hash, source_name, imported_at, imported_by)
         VALUES (@version, @size_bytes, @sha256, @file_name, @signature_file, @signer_fingerprint, @signer_comment,
           @signature_hash, @source_name, @imported_at, @imported_by)`,
      )
      .run(row);
  }

  deleteImage(version: string): boolean {
    return this.db.prepare('DELETE FROM firmware_images WHERE version = ?').run(version).changes > 0;
  }

  keys(): KeyRow[] {
    return this.db.prepare('SELECT * FROM firmware_release_keys ORDER BY trusted_at, fingerprint').all() as KeyRow[];
  }

  insertKey(row: KeyRow): void {
    this.db
      .prepare('INSERT INTO firmware_release_keys (fingerprint, public_key, comment, trusted_at, trusted_by) VALUES (@fingerprint, @public_key, @comment, @trusted_at, @trusted_by)')
      .run(row);
  }

  deleteKey(fingerprint: string): boolean {
    return this.db.prepare('DELETE FROM firmware_release_keys WHERE fingerprint = ?').run(fingerprint).changes > 0;
  }
}
