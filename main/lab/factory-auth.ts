/**
 * SSH logins of a factory-fresh lab appliance (model/factory.ts): as `oca`, the factory password
 * over `password` or `keyboard-interactive` while password login is on, and the keys installed on
 * the appliance itself (not the lab's shared fleet keys).
 */
import ssh2 from 'ssh2';
import type { AuthContext, ParsedKey } from 'ssh2';
import { APPLIANCE_LOGIN_USER } from '../appliance/contract';
import { withKeyObjects } from '../keys/ssh-key-objects';
import { passwordMatches } from './model/factory';
import type { FactoryAccess } from './model/state';

function methodsOf(access: FactoryAccess): ('publickey' | 'password' | 'keyboard-interactive')[] {
  return access.passwordLogin ? ['publickey', 'password', 'keyboard-interactive'] : ['publickey'];
}

function installedKeys(access: FactoryAccess): ParsedKey[] {
  const keys: ParsedKey[] = [];
  for (const line of access.keys) {
    const parsed = ssh2.utils.parseKey(line);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key && !(key instanceof Error)) keys.push(withKeyObjects(key));
  }
  return keys;
}

export function authenticateFactory(ctx: AuthContext, access: FactoryAccess): void {
  const methods = methodsOf(access);
  if (ctx.username !== APPLIANCE_LOGIN_USER) return ctx.reject(methods);
  switch (ctx.method) {
    case 'password':
      return passwordMatches(access, ctx.password) ? ctx.accept() : ctx.reject(methods);
    case 'keyboard-interactive':
      if (!access.passwordLogin) return ctx.reject(methods);
      return ctx.prompt([{ prompt: 'Password: ', echo: false }], 'Factory login', '', (answers) => {
        if (answers.length === 1 && passwordMatches(access, answers[0] ?? '')) ctx.accept();
        else ctx.reject(methods);
      });
    case 'publickey': {
      const key = installedKeys(access).find((k) => k.getPublicSSH().equals(ctx.key.data));
      if (!key) return ctx.reject(methods);
      if (!ctx.signature || !ctx.blob) return ctx.accept();
      return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(methods);
    }
    default:
      return ctx.reject(methods);
  }
}
