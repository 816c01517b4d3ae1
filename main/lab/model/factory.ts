/**
 * Factory-fresh appliances: what arrives at an ISP site before provisioning. It answers SSH as
 * `oca` with its factory password only (password and keyboard-interactive), has no fleet key, no
 * hostname of its own, no service addresses and no BGP session, and does not serve (drained).
 * `ocactl access ...` installs keys and turns password login off; the SSH front ends read the
 * same state (main/lab/factory-auth.ts).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AccessReply } from '../../appliance/access';
import { PASSWORD_HASH_PATTERN, verifyPassword } from '../../appliance/password-hash';
import { parsePublicKeyLine } from '../../keys/host-key';
import { ApplianceError } from './errors';
import { createApplianceState, type ApplianceSpec, type ApplianceState, type FactoryAccess } from './state';

export const FACTORY_HOSTNAME = 'localhost';

/** A factory-fresh state for `spec`: management address only, no BGP neighbor, drained, password login. */
export function createFactoryState(spec: ApplianceSpec, password: string, now: number): ApplianceState {
  const state = createApplianceState(spec, now);
  state.config = {
    hostname: FACTORY_HOSTNAME,
    interfaces: spec.interfaces.map((i) => (i.name === 'mgmt0' ? { ...i } : { ...i, ipv4: null, ipv6: null })),
    bgp: { localAsn: spec.bgp.localAsn, neighbor: { address: '', asn: spec.bgp.neighbor.asn } },
  };
  state.serving = 'drained';
  state.access = { password, passwordLogin: true, keys: [] };
  return state;
}

/** Compare a password without leaking its length or content through timing. */
export function passwordMatches(access: FactoryAccess, given: string): boolean {
  if (!access.passwordLogin) return false;
  if (access.passwordHash) return verifyPassword(access.passwordHash, given);
  const a = createHash('sha256').update(access.password).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

function accessReply(access: FactoryAccess): AccessReply {
  return {
    passwordLogin: access.passwordLogin,
    authorizedKeys: access.keys.map((line) => parsePublicKeyLine(line)?.fingerprint ?? 'unreadable'),
    passwordChanged: !!access.passwordHash,
  };
}

function mustHaveAccess(state: ApplianceState): FactoryAccess {
  if (!state.access) throw new ApplianceError('E_STATE', 'This appliance’s logins are managed by the fleet’s keys, not on the appliance.');
  return state.access;
}

/** `ocactl access ...` on the model. */
export function accessCommand(state: ApplianceState, words: readonly string[]): { command: 'access status' | 'access add-key' | 'access password-login' | 'access set-password'; result: AccessReply } {
  const [sub, ...rest] = words;
  if (sub === 'status' && rest.length === 0) return { command: 'access status', result: accessReply(mustHaveAccess(state)) };
  if (sub === 'add-key' && rest.length === 2) {
    const access = mustHaveAccess(state);
    const line = `${rest[0]} ${rest[1]}`;
    const key = parsePublicKeyLine(line);
    if (!key) throw new ApplianceError('E_USAGE', 'access add-key takes a public key as "<type> <base64>".');
    if (!access.keys.some((k) => parsePublicKeyLine(k)?.fingerprint === key.fingerprint)) access.keys.push(line);
    return { command: 'access add-key', result: accessReply(access) };
  }
  if (sub === 'password-login' && rest.length === 1 && (rest[0] === 'off' || rest[0] === 'on')) {
    const access = mustHaveAccess(state);
    if (rest[0] === 'off' && access.keys.length === 0) {
      throw new ApplianceError('E_STATE', 'Install a key first (ocactl access add-key): with password login off and no key nobody could log in.');
    }
    access.passwordLogin = rest[0] === 'on';
    return { command: 'access password-login', result: accessReply(access) };
  }
  if (sub === 'set-password' && rest.length === 1) {
    const access = mustHaveAccess(state);
    if (!PASSWORD_HASH_PATTERN.test(rest[0]!)) throw new ApplianceError('E_USAGE', 'access set-password takes a password hash (scrypt:N:r:p:salt:key), never the password itself.');
    if (access.keys.length === 0) throw new ApplianceError('E_STATE', 'Install a key first (ocactl access add-key): a wrong new password would lock everyone out.');
    access.passwordHash = rest[0]!;
    return { command: 'access set-password', result: accessReply(access) };
  }
  throw new ApplianceError('E_USAGE', 'access status | access add-key <type> <base64> | access password-login on|off | access set-password <hash>');
}
