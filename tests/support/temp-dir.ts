/** A fresh directory under the OS temp dir; whoever makes one removes it (rmSync recursive) when done. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'fleetdeck-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
