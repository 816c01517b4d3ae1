import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../main/api/client';
import { fieldErrorsFromError } from './field-errors';

describe('engine validation errors beside their inputs', () => {
  const fields = ['hostname', 'ipv4', 'storageTb', 'site'];

  it('puts each problem the details name beside its input, through a patch wrapper', () => {
    const err = new ApiError('E_VALIDATION', 'Invalid input for inventory.updateAppliance: (the sentence is not read)', {
      issues: [
        { path: ['patch', 'ipv4'], message: 'not an IPv4 address' },
        { path: ['patch', 'storageTb'], message: 'storage is at most 10000 TB' },
        { path: ['patch', 'storageTb'], message: 'a second problem with the same field is not shown' },
        { path: ['patch', 'hostname', 0], message: 'hostname: the first label is too long' },
      ],
    });
    expect(fieldErrorsFromError(err, fields)).toEqual({
      ipv4: 'not an IPv4 address',
      storageTb: 'storage is at most 10000 TB',
      hostname: 'hostname: the first label is too long',
    });
  });

  it('reads details, not the sentence: a sentence that looks like fields maps to nothing', () => {
    const wordsOnly = new ApiError('E_VALIDATION', 'Invalid input for inventory.updateAppliance: patch.ipv4: not an IPv4 address');
    expect(fieldErrorsFromError(wordsOnly, fields)).toEqual({});
  });

  it('ignores fields the form does not have, other codes and malformed details', () => {
    expect(fieldErrorsFromError(new ApiError('E_VALIDATION', 'x', { issues: [{ path: ['serial'], message: 'taken' }, { path: [], message: 'whole form' }] }), fields)).toEqual({});
    expect(fieldErrorsFromError(new ApiError('E_CONFLICT', 'x', { issues: [{ path: ['ipv4'], message: 'no' }] }), fields)).toEqual({});
    expect(fieldErrorsFromError(new ApiError('E_VALIDATION', 'x', { issues: 'ipv4: no' }), fields)).toEqual({});
  });
});
