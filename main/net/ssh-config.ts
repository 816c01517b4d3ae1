/**
 * Reading an OpenSSH client config for import: the `ssh-config` package parses the text, and the
 * settings of each Host are worked out here, not with the package's compute(): that one matches
 * Host patterns with a backtracking regular expression (a line of many `*` then a letter hangs the
 * engine), runs `Match exec` commands in a shell and looks names up with nslookup. Here patterns
 * match in bounded time (host-pattern.ts), `Match` blocks are never evaluated (reported as
 * skipped), nothing is run and nothing leaves the machine, and the work is bounded up front.
 */
import SSHConfig from 'ssh-config';
import { FleetError } from '../kit/errors';
import { MAX_PATTERN_LENGTH, patternListMatches } from './host-pattern';

/**
 * Characters compared, at most, to work out every host's settings (the length of every host name
 * times the length of every wildcard pattern): past this the file is refused before any matching.
 * Host lines that name hosts literally are found through an index and cost next to nothing.
 */
export const MAX_SSH_CONFIG_WORK = 20_000_000;

export interface HostSettings {
  host: string | undefined;
  port: string | undefined;
  user: string | undefined;
  proxyJump: string | undefined;
}

interface Block {
  /** Host patterns; null for settings before the first Host (they apply to every host). */
  patterns: string[] | null;
  settings: Array<{ key: keyof HostSettings; value: string }>;
}

export interface ParsedSshConfig {
  /** Names given literally on Host lines, in file order, each once. */
  aliases: string[];
  skipped: Array<{ host: string; reason: string }>;
  /** HostName, Port, User and ProxyJump for a host, first value wins as in OpenSSH. */
  settingsFor(alias: string): HostSettings;
  /** The line (from 1) of the first Host line that names `alias`, or 0 when none does. */
  lineOf(alias: string): number;
}

/** Where each name given on a Host line first appears (`Host a b` and `Host=a`), by line from 1. */
function hostLines(content: string): Map<string, number> {
  const lines = new Map<string, number>();
  content.split(/\r?\n/).forEach((text, i) => {
    const m = /^\s*host(?:\s*=\s*|\s+)(.*)$/i.exec(text);
    if (!m) return;
    for (const name of m[1]!.split(/\s+/)) if (name && !lines.has(name)) lines.set(name, i + 1);
  });
  return lines;
}

const WANTED = new Map<string, keyof HostSettings>([
  ['hostname', 'host'],
  ['port', 'port'],
  ['user', 'user'],
  ['proxyjump', 'proxyJump'],
]);

function valuesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v: { val?: unknown }) => String(v.val ?? ''));
  return String(value ?? '')
    .split(/\s+/)
    .filter(Boolean);
}

export function readSshConfig(content: string): ParsedSshConfig {
  let config: SSHConfig;
  try {
    config = SSHConfig.parse(content);
  } catch (err) {
    throw new FleetError('E_IMPORT', `This ssh_config cannot be read: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown error'}.`);
  }
  const blocks: Block[] = [{ patterns: null, settings: [] }];
  const aliases = new Set<string>();
  const skipped: ParsedSshConfig['skipped'] = [];
  for (const line of config) {
    if (!('param' in line)) continue;
    const param = line.param.toLowerCase();
    if (param === 'match') {
      skipped.push({ host: `Match ${valuesOf(line.value).join(' ').slice(0, 80)}`, reason: 'Match blocks are not evaluated on import (nothing is run)' });
      continue;
    }
    if (param !== 'host') {
      const key = WANTED.get(param);
      if (key) blocks[0]!.settings.push({ key, value: valuesOf(line.value)[0] ?? '' });
      continue;
    }
    const patterns = valuesOf(line.value);
    const block: Block = { patterns, settings: [] };
    for (const sub of 'config' in line ? line.config : []) {
      if (!('param' in sub)) continue;
      const key = WANTED.get(sub.param.toLowerCase());
      if (key) block.settings.push({ key, value: valuesOf(sub.value)[0] ?? '' });
    }
    blocks.push(block);
    for (const v of patterns) {
      if (/[*?!]/.test(v)) skipped.push({ host: v.slice(0, 80), reason: 'a pattern, not one host' });
      else aliases.add(v);
    }
  }
  // Blocks that name a host literally are found by name; blocks with a wildcard are tried for every host.
  const byName = new Map<string, number[]>();
  const wild: number[] = [];
  let wildLength = 0;
  blocks.forEach((block, i) => {
    if (block.patterns === null) return;
    const positive = block.patterns.filter((p) => !p.startsWith('!'));
    if (positive.some((p) => /[*?]/.test(p))) {
      wild.push(i);
      wildLength += block.patterns.reduce((n, p) => n + Math.min(p.length, MAX_PATTERN_LENGTH), 0);
      return;
    }
    for (const name of new Set(positive.map((p) => p.toLowerCase()))) {
      const list = byName.get(name);
      if (list) list.push(i);
      else byName.set(name, [i]);
    }
  });
  const aliasLength = [...aliases].reduce((n, a) => n + a.length, 0);
  if (aliasLength * wildLength > MAX_SSH_CONFIG_WORK) {
    throw new FleetError(
      'E_IMPORT',
      `This ssh_config has ${aliases.size} hosts and wildcard Host patterns ${wildLength} characters long: more matching than one import does. ` +
        "Import the Host blocks of the fleet's jump hosts and appliances, with fewer or shorter wildcard patterns.",
    );
  }
  let lines: Map<string, number> | null = null;
  return {
    aliases: [...aliases],
    skipped,
    settingsFor(alias) {
      const candidates = [...new Set([0, ...(byName.get(alias.toLowerCase()) ?? []), ...wild])].sort((a, b) => a - b);
      const found: Partial<Record<keyof HostSettings, string>> = {};
      for (const i of candidates) {
        const block = blocks[i]!;
        if (block.patterns !== null && !patternListMatches(block.patterns, alias)) continue;
        for (const { key, value } of block.settings) found[key] ??= value;
      }
      return { host: found.host, port: found.port, user: found.user, proxyJump: found.proxyJump };
    },
    lineOf(alias) {
      lines ??= hostLines(content);
      return lines.get(alias) ?? 0;
    },
  };
}
