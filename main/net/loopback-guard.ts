/**
 * A guard for tests and benchmarks: with FLEETDECK_LOOPBACK_ONLY=1 in the environment the engine
 * opens no connection from this machine (SSH, HTTP) to anything but a loopback address. (A hop
 * behind a bastion is reached by the bastion; the tests' bastions are on loopback and map the
 * addresses they are asked for to loopback.) Their
 * fleets are made up (documentation and private-range addresses) and the engine polls by default,
 * so without this a served test engine would send traffic to addresses that are not ours.
 * `npm test`, vitest's config and every benchmark set it; the app and the CLI never do.
 */
import { isIP } from 'node:net';
import { FleetError } from '../kit/errors';

export const LOOPBACK_ONLY_ENV = 'FLEETDECK_LOOPBACK_ONLY';

/** Whether `host` is a loopback address (127.0.0.0/8, ::1, ::ffff:127.x) or `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Throws E_UNREACHABLE (nothing sent) when the guard is on and `host` is not loopback. */
export function refuseOffLoopback(host: string, what: string): void {
  if (process.env[LOOPBACK_ONLY_ENV] !== '1' || isLoopback(host)) return;
  throw new FleetError(
    'E_UNREACHABLE',
    `${what}: ${host.slice(0, 100)} is not a loopback address and ${LOOPBACK_ONLY_ENV}=1 is set (tests and benchmarks reach loopback only); nothing was sent.`,
  );
}
