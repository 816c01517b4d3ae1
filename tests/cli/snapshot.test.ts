/**
 * Snapshots through the real `fleetdeck` command: export (whole and filtered), no secret in the
 * file, `snapshot info`, `serve --snapshot` answering reads over its WebSocket and refusing every
 * writing method of the contract with E_READ_ONLY, the snapshot file unchanged, and `snapshot diff`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../../main/api/contract';
import { ApiError, createApiClient } from '../../main/api/client';
import { webSocketChannel } from '../../main/host/ws-channel';
import type { MethodSpec } from '../../main/kit/contract';
import { runFleetdeck, withDataDirEngine } from '../support/cli';
import { SAMPLE_APPLIANCES, SAMPLE_SITES } from '../support/inventory-fixtures';
import { serveApp, type ServedApp } from '../e2e/support/serve';

const PASSPHRASE = 'cli-planted-passphrase-91e0c4d2';
let root: string;
let dataDir: string;
let whole: string;
let gru: string;

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleetdeck-cli-snapshot-'));
  dataDir = join(root, 'data');
  whole = join(root, 'whole.fdsnap');
  gru = join(root, 'gru01.fdsnap');
  expect((await runFleetdeck(dataDir, ['inventory', 'import', SAMPLE_SITES, '--kind', 'sites'])).code).toBe(0);
  expect((await runFleetdeck(dataDir, ['inventory', 'import', SAMPLE_APPLIANCES, '--kind', 'appliances'])).code).toBe(0);
  expect((await runFleetdeck(dataDir, ['net', 'keygen'])).code).toBe(0);
  await withDataDirEngine(dataDir, (e) => e.deps.vault.set('fleet-ssh-key-passphrase', Buffer.from(PASSPHRASE)));
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('fleetdeck snapshot', () => {
  it('export writes one file with its record and no secret from the vault', async () => {
    const r = await runFleetdeck(dataDir, ['snapshot', 'export', '--out', whole, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { file: string; bytes: number; info: { appliances: number; takenBy: string; dataDir: string } };
    expect(result).toMatchObject({ file: whole, info: { appliances: 12, dataDir } });
    expect(result.info.takenBy).toMatch(/^cli:/);
    const bytes = readFileSync(whole);
    expect(bytes.subarray(0, 15).toString()).toBe('SQLite format 3');
    const privateKey = await withDataDirEngine(dataDir, async (e) => (await e.deps.vault.get('fleet-ssh-key'))!.toString());
    const keyLine = privateKey.split('\n').find((l) => l.length > 40 && !l.startsWith('-----'))!;
    for (const needle of [PASSPHRASE, keyLine, 'PRIVATE KEY']) expect(bytes.includes(Buffer.from(needle)), needle).toBe(false);
    // Refused rather than overwritten.
    const again = await runFleetdeck(dataDir, ['snapshot', 'export', '--out', whole]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists.*\(E_CONFLICT\)/);
  });

  it('export --where keeps only the selected appliances; info reads the record', async () => {
    const r = await runFleetdeck(dataDir, ['snapshot', 'export', '--out', gru, '--where', 'site=gru01']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Wrote .*gru01\.fdsnap/);
    const info = await runFleetdeck(dataDir, ['snapshot', 'info', gru, '--json']);
    expect(JSON.parse(info.stdout)).toMatchObject({ sites: 1, where: 'site=gru01' });
    const text = await runFleetdeck(dataDir, ['snapshot', 'info', gru]);
    expect(text.stdout).toMatch(/Taken at .* by cli:\S+ on \S+ \(/);
  });

  it('diff names what the filtered snapshot lacks', async () => {
    const r = await runFleetdeck(dataDir, ['snapshot', 'diff', whole, gru, '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as { inventory: { removed: { site: string }[]; added: unknown[]; sitesRemoved: string[] } };
    expect(d.inventory.added).toEqual([]);
    expect(d.inventory.removed.length).toBeGreaterThan(0);
    expect(d.inventory.removed.every((x) => x.site !== 'GRU01')).toBe(true);
    expect(d.inventory.sitesRemoved).not.toContain('GRU01');
    const text = await runFleetdeck(dataDir, ['snapshot', 'diff', whole, gru]);
    expect(text.stdout).toMatch(/Inventory: 0 added, \d+ removed, 0 changed/);
  });

  describe('serve --snapshot', () => {
    let app: ServedApp;
    const emptyDir = () => mkdtempSync(join(root, 'serve-'));
    beforeAll(async () => {
      app = await serveApp({ dataDir: emptyDir(), args: ['--snapshot', whole] });
    }, 60_000);
    afterAll(() => app?.stop());

    it('answers every read and refuses every writing method with E_READ_ONLY; the file is unchanged', async () => {
      const before = sha(whole);
      const url = new URL(app.url);
      const ws = new WebSocket(`ws://${url.host}/rpc?token=${url.searchParams.get('token')}`, { origin: url.origin });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const client = createApiClient(webSocketChannel(ws));
      try {
        expect(await client.api.snapshots.current({})).toMatchObject({ file: whole, appliances: 12 });
        expect((await client.api.inventory.listAppliances({})).total).toBe(12);
        expect((await client.api.health.fleet({})).items).toHaveLength(12);
        const writing = Object.entries(contract).flatMap(([d, ms]) =>
          Object.entries(ms as Record<string, MethodSpec>)
            .filter(([, s]) => s.writes)
            .map(([m]) => `${d}.${m}`),
        );
        expect(writing.length).toBeGreaterThan(20);
        for (const name of writing) {
          const err = await client.call(name, {}).then(
            () => null,
            (e: unknown) => e,
          );
          expect(err, name).toBeInstanceOf(ApiError);
          expect((err as ApiError).code, name).toBe('E_READ_ONLY');
          expect((err as ApiError).message, name).toMatch(/^Nothing can be changed here: this is a read-only snapshot \(taken by cli:/);
        }
      } finally {
        client.close();
      }
      expect(sha(whole)).toBe(before);
    });
  });
});
