/**
 * The reference agent's logins behind a real OpenSSH sshd: sshd asks the agent who may log in, so
 * `ocactl access ...` (add-key, password-login off) governs the real sshd as it governs the lab's
 * ssh2 server (main/lab/factory-auth.ts). Two hooks, both read the agent's state folder (the saved
 * appliance, written whole by rename, so no lock is needed to read it):
 *
 *   ocactl-auth keys USER [--state DIR]   sshd_config AuthorizedKeysCommand (%u): the public keys
 *                                         installed on the appliance, for its login user only
 *   ocactl-auth password [--state DIR]    PAM `auth required pam_exec.so expose_authtok ...`: the
 *                                         password on stdin; exit 0 only while password login is on
 *                                         and it is the appliance's password (PAM_USER the login user)
 *
 * An appliance that is not factory-managed (no access state) prints no key and takes no password.
 * See docs/provisioning.md ("The reference agent behind OpenSSH").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { APPLIANCE_LOGIN_USER } from '../../appliance/contract';
import { passwordMatches } from '../model/factory';
import type { FactoryAccess } from '../model/state';
import { agentDir, STATE_DIR_ENV } from './store';

/** The appliance's logins as last saved; null when it has none of its own (or no state yet). */
export function savedAccess(dir: string): FactoryAccess | null {
  try {
    const state = JSON.parse(readFileSync(join(dir, 'appliance.json'), 'utf8')) as { access?: FactoryAccess | null };
    return state.access ?? null;
  } catch {
    return null;
  }
}

/** authorized_keys lines for `user`: the keys installed with `ocactl access add-key`. */
export function authorizedKeysFor(dir: string, user: string): string[] {
  if (user !== APPLIANCE_LOGIN_USER) return [];
  return savedAccess(dir)?.keys ?? [];
}

/** Whether `password` logs `user` in now. pam_exec ends the password with a NUL byte. */
export function passwordLogsIn(dir: string, user: string | undefined, password: string): boolean {
  if (user !== APPLIANCE_LOGIN_USER) return false;
  const access = savedAccess(dir);
  const given = password.replace(/\0[\s\S]*$/, '');
  return access !== null && given.length > 0 && passwordMatches(access, given);
}

async function readStdin(limit = 4096): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) return '';
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function authMain(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], options: { state: { type: 'string' } }, allowPositionals: true });
  const dir = values.state ?? agentDir(env);
  const [what, user] = positionals;
  if (what === 'keys' && user !== undefined && positionals.length === 2) {
    const keys = authorizedKeysFor(dir, user);
    process.stdout.write(keys.map((k) => `${k}\n`).join(''));
    return 0;
  }
  if (what === 'password' && positionals.length === 1) {
    if (env['PAM_TYPE'] !== undefined && env['PAM_TYPE'] !== 'auth') return 1;
    return passwordLogsIn(dir, env['PAM_USER'], await readStdin()) ? 0 : 1;
  }
  process.stderr.write(`usage: ocactl-auth keys USER [--state DIR] | ocactl-auth password [--state DIR]  (state: --state, ${STATE_DIR_ENV} or the default)\n`);
  return 2;
}
