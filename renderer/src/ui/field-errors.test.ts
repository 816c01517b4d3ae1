import { describe, expect, it } from 'vitest';
import { fieldErrorsFromMessage } from './field-errors';

describe('engine validation messages', () => {
  const fields = ['hostname', 'ipv4', 'storageTb'];

  it('puts each named field problem beside its input', () => {
    const message = 'Invalid input for inventory.updateAppliance: patch.ipv4: not an IPv4 address; patch.storageTb: storage is at most 10000 TB';
    expect(fieldErrorsFromMessage(message, fields)).toEqual({
      ipv4: 'not an IPv4 address',
      storageTb: 'storage is at most 10000 TB',
    });
  });

  it('ignores fields the form does not have and sentences without a field', () => {
    expect(fieldErrorsFromMessage('serial: already taken; the site GRU9 does not exist', fields)).toEqual({});
    expect(fieldErrorsFromMessage('A reason is required to drain an appliance.', fields)).toEqual({});
  });
});
