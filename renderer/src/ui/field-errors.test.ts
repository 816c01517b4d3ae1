import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../main/api/client';
import { z } from 'zod';
import { fieldErrorsFromError, fieldErrorsFromZod } from './field-errors';

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

  it("a form's own zod check in user words: what is allowed, never zod's type names", () => {
    const schema = z.object({ storageTb: z.number().max(10000), hostname: z.string().min(1), model: z.enum(['storage', 'flash']), serial: z.string().regex(/^[A-Z]/, 'starts with a capital letter') });
    const parsed = schema.safeParse({ storageTb: 20000, hostname: '', model: 'disk' });
    expect(parsed.success).toBe(false);
    if (!parsed.success)
      expect(fieldErrorsFromZod(parsed.error)).toEqual({
        storageTb: 'must be at most 10000',
        hostname: 'must not be empty',
        model: 'must be one of: storage, flash',
        serial: 'is required',
      });
  });
});
