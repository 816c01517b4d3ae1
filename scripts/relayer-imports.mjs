#!/usr/bin/env node
/**
 * Rewrites relative import specifiers after modules moved (issue 7, "layers that run one way").
 * Usage: node scripts/relayer-imports.mjs [--move] [DIR...]
 *   Without --move it only rewrites imports that point at an old location (run it on a branch
 *   that was written against the old layout); with --move it also git-mv's the files first.
 * The map below is the whole list of moves; symbol moves (CallContext, HostKind) are rewritten too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const MOVES = {
  'main/api/kit': 'main/kit/contract',
  'main/api/errors': 'main/kit/errors',
  'main/store/clock': 'main/kit/time',
  'main/net/host-key': 'main/keys/host-key',
  'main/net/openssh-keygen': 'main/keys/openssh-keygen',
  'main/net/openssh-keygen.test': 'main/keys/openssh-keygen.test',
  'main/net/ssh-key-objects': 'main/keys/ssh-key-objects',
  'main/net/ssh-key-objects.test': 'main/keys/ssh-key-objects.test',
};
/** Types that moved out of a module into another: [old module, new module, names]. */
export const SYMBOL_MOVES = [['main/api/dispatcher', 'main/kit/context', ['CallContext', 'HostKind']]];

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const doMove = args.includes('--move');
const dirs = args.filter((a) => !a.startsWith('--'));
const scan = dirs.length ? dirs : ['main', 'renderer', 'tests', 'bench', 'electron', 'scripts'];

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'out') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

const inverse = Object.fromEntries(Object.entries(MOVES).map(([a, b]) => [b, a]));
const noExt = (p) => p.replace(/\.(ts|tsx|mjs|js)$/, '');

if (doMove) {
  for (const [from, to] of Object.entries(MOVES)) {
    if (existsSync(join(root, from + '.ts'))) {
      execFileSync('mkdir', ['-p', dirname(join(root, to))]);
      execFileSync('git', ['mv', from + '.ts', to + '.ts'], { cwd: root });
    }
  }
}

for (const file of scan.flatMap((d) => walk(join(root, d), []))) {
  const relNow = noExt(relative(root, file));
  const relBefore = inverse[relNow] ?? relNow; // where the file lived when its imports were written
  const src = readFileSync(file, 'utf8');
  let changed = false;
  let out = src.replace(/(from\s+|import\(\s*|import\s+)(['"])(\.{1,2}\/[^'"]+)\2/g, (whole, lead, q, spec) => {
    const target = relative(root, resolve(root, dirname(relBefore), spec));
    const moved = MOVES[target] ?? target;
    let next = relative(dirname(relNow), moved);
    if (!next.startsWith('.')) next = './' + next;
    if (next === spec) return whole;
    changed = true;
    return `${lead}${q}${next}${q}`;
  });
  for (const [fromMod, toMod, names] of SYMBOL_MOVES) {
    out = out.replace(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+(['"])(\.{1,2}\/[^'"]+)\3;?/g, (whole, typeKw, list, q, spec) => {
      const target = relative(root, resolve(root, dirname(relNow), spec));
      if (target !== fromMod) return whole;
      const items = list.split(',').map((s) => s.trim()).filter(Boolean);
      const bare = (s) => s.replace(/^type\s+/, '').split(/\s+as\s+/)[0];
      const movedItems = items.filter((s) => names.includes(bare(s)));
      if (!movedItems.length) return whole;
      const kept = items.filter((s) => !names.includes(bare(s)));
      let toSpec = relative(dirname(relNow), toMod);
      if (!toSpec.startsWith('.')) toSpec = './' + toSpec;
      changed = true;
      const movedLine = `import type { ${movedItems.map((s) => s.replace(/^type\s+/, '')).join(', ')} } from ${q}${toSpec}${q};`;
      if (!kept.length) return movedLine;
      return `import ${typeKw ?? ''}{ ${kept.join(', ')} } from ${q}${spec}${q};\n${movedLine}`;
    });
  }
  if (changed) writeFileSync(file, out);
}
