/**
 * The folder that holds one file per secret: <data-dir>/vault, mode 0700, each file 0600, written
 * atomically (temp file + rename) so a crash never leaves half a secret. Each vault kind keeps its
 * own file suffix, so kinds never read each other's files.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertSecretName } from './secret-name';

export const VAULT_FOLDER = 'vault';

export class SecretFolder {
  private constructor(
    readonly dir: string,
    private readonly suffix: string,
  ) {}

  /** Creates <dataDir>/vault if needed and tightens it to 0700 (a no-op on Windows). */
  static open(dataDir: string, suffix: string): SecretFolder {
    const dir = join(dataDir, VAULT_FOLDER);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') chmodSync(dir, 0o700);
    return new SecretFolder(dir, suffix);
  }

  fileOf(name: string): string {
    assertSecretName(name);
    return join(this.dir, name + this.suffix);
  }

  async read(name: string): Promise<Buffer | null> {
    try {
      return await readFile(this.fileOf(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async write(name: string, data: Buffer | string): Promise<void> {
    await writePrivateFile(this.fileOf(name), data);
  }

  async remove(name: string): Promise<void> {
    await rm(this.fileOf(name), { force: true });
  }

  async names(): Promise<string[]> {
    const entries = await readdir(this.dir);
    return entries
      .filter((f) => f.endsWith(this.suffix) && !f.startsWith('.'))
      .map((f) => f.slice(0, -this.suffix.length))
      .sort();
  }
}

/** Writes a 0600 file atomically: the old content stays whole until the new one is complete. */
export async function writePrivateFile(path: string, data: Buffer | string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode: 0o600, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
