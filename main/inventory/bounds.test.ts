/**
 * Inputs past a bound get the caller's error with a sentence, never E_INTERNAL: filter lists
 * longer than SQLite takes as parameters, and import documents nested deep enough to overflow
 * the stack of a recursive walk.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectionOf, sampleAppliances, sampleSites } from '../../tests/support/inventory-fixtures';
import { tempEngine, type TempEngine } from '../../tests/support/temp-engine';
import type { ApiClient } from '../api/client';
import { MAX_FILTER_VALUES } from './contract';

let t: TempEngine;
let client: ApiClient;

beforeEach(async () => {
  t = tempEngine();
  client = t.engine.client({ actor: 'test:alice' });
  await client.api.inventory.importData({ format: 'csv', content: sampleSites() });
  await client.api.inventory.importData({ format: 'csv', content: sampleAppliances() });
});
afterEach(() => t.dispose());

describe('bounds end as the caller\'s error, with a sentence', () => {
  it('refuses filter lists longer than the engine takes, with E_VALIDATION naming the filter', async () => {
    const many = (prefix: string) => Array.from({ length: 40_000 }, (_, i) => `${prefix}${i}`);
    for (const [filter, value] of [
      ['tag', many('t')],
      ['site', many('S')],
      ['firmware', many('v')],
      ['partner', many('p')],
    ] as const) {
      const r = await rejectionOf(client.api.inventory.listAppliances({ [filter]: value }));
      expect(r.code, filter).toBe('E_VALIDATION');
      expect(r.message, filter).toMatch(new RegExp(`${filter}: a filter lists at most ${MAX_FILTER_VALUES} `));
    }
    // At the bound the query runs.
    const page = await client.api.inventory.listAppliances({ tag: many('t').slice(0, MAX_FILTER_VALUES), site: many('S').slice(0, MAX_FILTER_VALUES) });
    expect(page.total).toBe(0);
    const r = await rejectionOf(client.api.jobs.preview({ selection: { query: { tag: many('t') } } }));
    expect(r.code).toBe('E_VALIDATION');
  });

  it('reports a deeply nested import document as a bad row (E_IMPORT), not a crash', async () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const content = `{"appliances": [{"serial": "OCA-DEEP", "tags": ${deep}}, {"serial": "OCA-OK", "notes": {"a": {"b": 1}}}]}`;
    const r = await rejectionOf(client.api.inventory.importData({ format: 'json', content }));
    expect(r.code).toBe('E_IMPORT');
    expect(r.errors).toEqual(
      expect.arrayContaining([{ line: 1, path: 'appliances[0]', reason: expect.stringMatching(/nest more than 8 levels deep/) }]),
    );
    expect(await client.api.system.ping({ nonce: 'x' })).toMatchObject({ nonce: 'x' });
  });
});
