/**
 * The layers of Fleetdeck, stated once and checked on every relative import (after VS Code's
 * `.eslint-plugin-local/code-layering.ts`). Arrows point one way, down:
 *
 *   host/ cli/                      the doors (browser host, utility process, command line)
 *   engine.ts migrations.ts api/    the composition: combined contract, dispatcher, RPC sessions, event bus, client, migrations gathered
 *   inventory/ net/ health/ lab/ …  the domains: a domain reaches another only through its contract or service
 *   audit/ settings/ deps.ts        shared services every domain uses
 *   store/ vault/ keys/ appliance/  ground: SQLite, secrets, SSH key code, the appliance API
 *   kit/                            the contract kit and primitives: imports nothing of ours
 *
 * The lab simulator (main/lab/ apart from the lab domain's service) is a separate program: it
 * shares only leaf modules (kit, keys, appliance) with the manager. The renderer is checked by
 * no-restricted-imports in eslint.config.js; electron/ reaches only main/host/.
 */
import { dirname, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** Folders under main/ that are domains (one folder each: contract.ts, service.ts, repo.ts, ...). */
export const DOMAINS = ['inventory', 'net', 'health', 'lab', 'jobs', 'firmware', 'rollouts', 'fills', 'provisioning', 'diagnostics', 'capacity', 'terminal', 'snapshots', 'history'];

/**
 * Modules of a domain that other domains may use besides its contract and service: net's SSH pool
 * (firmware stages images over its SFTP) and its HTTP
 * transport to appliances (health polls through it); the jobs kernel's surface for the domains
 * that register job kinds on it (the kind interface, the kernel, its result types, the one way to
 * turn a filter into appliances); the inventory importer's CSV parser and row pieces and the loopback
 * guard (provisioning reads site surveys with them and reaches factory-fresh appliances by password;
 * the fills domain's catalog and demand imports reuse the parser).
 */
export const PUBLIC_MODULES = ['main/net/appliance-http', 'main/net/ssh-pool', 'main/net/loopback-guard', 'main/inventory/csv', 'main/inventory/import-items', 'main/inventory/document', 'main/jobs/kind', 'main/jobs/kernel', 'main/jobs/repo', 'main/jobs/targets'];

/** Layer of a repo-relative path (no extension), or null when the rule has nothing to say. */
export function layerOf(path) {
  if (path.startsWith('renderer/')) return 'renderer';
  if (path.startsWith('electron/')) return 'electron';
  if (!path.startsWith('main/')) return null;
  const rest = path.slice('main/'.length);
  const [top] = rest.split('/');
  if (rest === 'engine' || rest === 'migrations' || top === 'api') return 'composition';
  if (top === 'host' || top === 'cli') return 'door';
  if (top === 'kit') return 'kit';
  if (top === 'store' || top === 'vault' || top === 'keys' || top === 'appliance') return 'ground';
  if (top === 'audit' || top === 'settings' || rest === 'deps' || rest === 'version') return 'shared';
  if (top === 'lab' && rest !== 'lab/service' && !rest.startsWith('lab/service.')) return 'lab-simulator';
  if (DOMAINS.includes(top)) return 'domain';
  return 'unknown';
}

/** Which layers each layer may import (its own included where listed). */
export const ALLOWED = {
  kit: ['kit'],
  ground: ['kit', 'ground'],
  shared: ['kit', 'ground', 'shared'],
  'lab-simulator': ['kit', 'ground', 'lab-simulator'],
  domain: ['kit', 'ground', 'shared', 'domain', 'lab-simulator'],
  composition: ['kit', 'ground', 'shared', 'domain', 'lab-simulator', 'composition'],
  door: ['kit', 'ground', 'shared', 'domain', 'lab-simulator', 'composition', 'door'],
  electron: ['electron', 'door'],
};

const domainOf = (path) => path.split('/')[1];

/** Null when `from` may import `to` (repo-relative paths without extension), else why not. */
export function layeringProblem(from, to) {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === null || b === null) return null;
  if (b === 'renderer' && a !== 'renderer') return 'nothing imports the renderer';
  if (a === 'renderer') return null; // the renderer's own rule (no-restricted-imports) applies
  const allowed = ALLOWED[a];
  if (!allowed) return `${from} is in no layer; add its folder to .eslint-plugin-local/code-layering.mjs`;
  if (b === 'unknown') return `${to} is in no layer; add its folder to .eslint-plugin-local/code-layering.mjs`;
  if (a === 'ground' && b === 'ground' && from.split('/')[1] !== to.split('/')[1]) {
    return `ground modules (store, vault, keys, appliance) stand side by side and use only the kit`;
  }
  if (!allowed.includes(b)) return `the ${a} layer may use only ${allowed.join(', ')}; ${to} is ${b}`;
  if (a === 'lab-simulator' && b === 'domain') return 'the lab simulator shares only leaf modules with the manager';
  if (a === 'domain' && b === 'lab-simulator' && domainOf(from) !== 'lab') {
    return 'only the lab domain drives the lab simulator';
  }
  if (a === 'domain' && b === 'domain' && domainOf(from) !== domainOf(to)) {
    const name = to.split('/').slice(2).join('/');
    if (name !== 'contract' && name !== 'service' && !PUBLIC_MODULES.includes(to)) {
      return `a domain reaches another only through its contract or service, not ${to}`;
    }
  }
  return null;
}

const toRepoPath = (abs) => relative(ROOT, abs).replace(/\.(ts|tsx|mts|js|mjs)$/, '').split('\\').join('/');

/** @type {import('eslint').Rule.RuleModule} */
export const codeLayering = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports point down the layers stated in .eslint-plugin-local/code-layering.mjs' },
    messages: { layer: 'Bad layering. You are not allowed to access {{target}} from here: {{why}}.' },
    schema: [],
  },
  create(context) {
    const file = toRepoPath(context.filename);
    const check = (node) => {
      const spec = node && node.source && node.source.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = toRepoPath(resolve(dirname(context.filename), spec));
      const why = layeringProblem(file, target);
      if (why) context.report({ node: node.source, messageId: 'layer', data: { target, why } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default { rules: { 'code-layering': codeLayering } };
