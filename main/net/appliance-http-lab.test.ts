/** The HTTP client against the lab's real appliance HTTP API, faults included. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetError } from '../kit/errors';
import { LabFleet } from '../lab/fleet';
import type { FaultId } from '../lab/contract';
import { callAppliance, type HttpEndpoint } from './appliance-http';

describe('appliance HTTP client against lab appliances', () => {
  const root = mkdtempSync(join(tmpdir(), 'fleetdeck-http-lab-'));
  let fleet: LabFleet;
  let endpoints: HttpEndpoint[] = [];

  beforeAll(async () => {
    fleet = await LabFleet.start({ dir: join(root, 'lab'), appliances: 7, sites: 1, seed: 5, speed: 1, authorizedKeys: '' });
    endpoints = fleet.manifestAppliances().map((a) => ({ label: a.serial, host: '127.0.0.1', port: a.apiPort, tls: null }));
  });
  afterAll(async () => {
    await fleet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('sweeps health and metrics; each fault is one defined error and the sweep goes on', async () => {
    const faults: FaultId[] = ['stall', 'unreachable', 'malformed', 'oversized', 'drop'];
    faults.forEach((f, i) => fleet.setFault(endpoints[i]!.label, f, true));
    try {
      // The stalled one waits the deadline out; the healthy ones meet it on a loaded machine.
      const outcomes = await Promise.all(
        endpoints.map((e) =>
          callAppliance(e, 'GET /v1/health', { timeoutMs: 5000 }).then(
            (h) => `ok:${h.serial}`,
            (err: unknown) => (err instanceof FleetError ? err.code : `other:${String(err)}`),
          ),
        ),
      );
      expect(outcomes.slice(0, 5)).toEqual(['E_TIMEOUT', 'E_UNREACHABLE', 'E_BAD_REPLY', 'E_TOO_LARGE', expect.stringMatching(/^E_(UNREACHABLE|BAD_REPLY)$/)]);
      expect(outcomes.slice(5)).toEqual(endpoints.slice(5).map((e) => `ok:${e.label}`));
      const metrics = await callAppliance(endpoints[6]!, 'GET /v1/metrics');
      expect(metrics.serial).toBe(endpoints[6]!.label);
    } finally {
      faults.forEach((f, i) => fleet.setFault(endpoints[i]!.label, f, false));
    }
  });
});
