/**
 * The layering rule fires on imports that run up the layers, through the project's real ESLint
 * config (so turning the rule off in eslint.config.js fails this test too).
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the local plugin is plain JavaScript without types
import { layeringProblem } from '../../.eslint-plugin-local/code-layering.mjs';

const eslint = new ESLint({ cwd: process.cwd() });

async function layeringMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'local/code-layering').map((m) => m.message);
}

describe('code-layering', () => {
  it('stops a domain from importing the composition above it', async () => {
    const messages = await layeringMessages('main/inventory/new-thing.ts', `import type { Dispatcher } from '../api/dispatcher';\nexport type X = Dispatcher;\n`);
    expect(messages).toEqual([expect.stringMatching(/^Bad layering\. You are not allowed to access main\/api\/dispatcher from here: the domain layer/)]);
  });

  it('stops the kit from importing anything of ours but itself', async () => {
    expect(await layeringMessages('main/kit/new-thing.ts', `export { ApplianceQuery } from '../inventory/contract';\n`)).toHaveLength(1);
    expect(await layeringMessages('main/kit/new-thing.ts', `export { FleetError } from './errors';\n`)).toEqual([]);
  });

  it("stops a domain from reaching into another domain's internals, but lets it call its service", async () => {
    expect(await layeringMessages('main/health/new-thing.ts', `export { InventoryRepo } from '../inventory/repo';\n`)).toEqual([
      expect.stringMatching(/a domain reaches another only through its contract or service/),
    ]);
    expect(await layeringMessages('main/health/new-thing.ts', `export type { InventoryService } from '../inventory/service';\n`)).toEqual([]);
  });

  it('keeps the lab simulator off the manager: leaf modules only', async () => {
    expect(await layeringMessages('main/lab/fleet-two.ts', `export { fleetKeyInfo } from '../net/fleet-key';\n`)).toEqual([
      expect.stringMatching(/the lab-simulator layer may use only kit, ground, lab-simulator/),
    ]);
    expect(await layeringMessages('main/lab/fleet-two.ts', `export { generateEd25519 } from '../keys/openssh-keygen';\n`)).toEqual([]);
  });

  it('keeps shared services below the domains and the shell on the host entry', async () => {
    expect(await layeringMessages('main/audit/new-thing.ts', `export type { InventoryService } from '../inventory/service';\n`)).toHaveLength(1);
    expect(await layeringMessages('electron/new-thing.ts', `export { createEngine } from '../main/engine';\n`)).toHaveLength(1);
  });

  it('names every folder: a file in no layer is reported', () => {
    expect(layeringProblem('main/somewhere/new', 'main/kit/errors')).toMatch(/in no layer/);
    expect(layeringProblem('main/engine', 'main/inventory/service')).toBeNull();
  });
});

describe('SQL only behind repos', () => {
  const sqlMessages = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
  };
  const code = `import type { Db } from '../store/db';\nexport const count = (db: Db) => db.prepare(\`SELECT count(*) FROM appliances\`).get();\nexport const wal = (db: Db) => db.pragma('journal_mode');\n`;

  it('flags SQL in a service and leaves the repo and other exec calls alone', async () => {
    expect(await sqlMessages('main/health/new-service.ts', code)).toEqual([
      expect.stringMatching(/SQL belongs in a repo file/),
      expect.stringMatching(/SQL belongs in a repo file/),
    ]);
    expect(await sqlMessages('main/health/repo.ts', code)).toEqual([]);
    expect(await sqlMessages('main/net/new-thing.ts', `export const run = (c: { exec(cmd: string): void }, cmd: string) => c.exec(cmd);\nexport const m = /a/.exec('a');\n`)).toEqual([]);
  });
});
