/**
 * The early script's request for the first rows must be the very request the inventory store sends
 * for the same hash (the store takes the early reply only then): same params, same JSON.
 */
import { describe, expect, it } from 'vitest';
import { firstPageRequest } from './early';
import { parseHash, toApplianceQuery } from '../route';
import { PAGE_SIZE } from '../list-query';

function storeRequest(hash: string): string {
  const route = parseHash(hash);
  if (route.name !== 'appliances') throw new Error(`${hash} is not the appliance table`);
  return JSON.stringify(toApplianceQuery(route.query, 0, PAGE_SIZE));
}

describe('the early first-page request', () => {
  it.each([
    '#/appliances',
    '#/appliances?status=online&status=rma&sort=hostname&dir=desc',
    '#/appliances?text=%20edge%20&site=AMS1&partner=Acme&model=flash&tag=b&tag=a',
    '#/appliances?site=AMS1&site=AMS1&sort=storageTb',
  ])('is the store\'s own request for %s', (hash) => {
    const early = firstPageRequest(hash);
    expect(early?.method).toBe('inventory.listAppliances');
    expect(JSON.stringify(early?.params)).toBe(storeRequest(hash));
  });

  it('is made only for the appliance table', () => {
    for (const hash of ['', '#/overview', '#/appliances/SN-1', '#/sites', '#/health']) expect(firstPageRequest(hash)).toBeNull();
  });

  it('differs from the store\'s when the hash names values the contract does not know (the store then asks itself)', () => {
    const hash = '#/appliances?status=bogus&sort=nope';
    expect(JSON.stringify(firstPageRequest(hash)?.params)).not.toBe(storeRequest(hash));
  });
});
