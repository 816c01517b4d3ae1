/**
 * Every command says what it does and shows an example, and every example is a command line the
 * parser takes: the command exists, its options are the command's own, its required options and
 * arguments are there. Walks the whole command tree as `fleetdeck --help` builds it.
 */
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { program } from './index';
import { commandName, EXAMPLES, FIRST_STEPS } from './examples';
import type { Io } from './io';

const io: Io = { out: () => undefined, err: () => undefined } as unknown as Io;

function all(root: Command): Command[] {
  const out: Command[] = [];
  const visit = (c: Command) => {
    for (const sub of c.commands) {
      if (sub.name() === 'help') continue;
      out.push(sub);
      visit(sub);
    }
  };
  visit(root);
  return out;
}

function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: () => undefined });
  command.outputHelp();
  return text;
}

/** Splits a command line as a shell would for these simple lines (double quotes group words). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** What is wrong with an example for its command (empty: nothing). */
function problems(root: Command, line: string): string[] {
  const tokens = words(line);
  if (tokens.shift() !== 'fleetdeck') return ['does not start with fleetdeck'];
  let command = root;
  while (tokens.length > 0) {
    const sub = command.commands.find((c) => c.name() === tokens[0]);
    if (!sub) break;
    command = sub;
    tokens.shift();
  }
  const out: string[] = [];
  const options = [...command.options, ...root.options];
  const byFlag = (flag: string): Option | undefined => options.find((o) => o.long === flag || o.short === flag || (o.negate && o.long === flag));
  const positional: string[] = [];
  const seen = new Set<Option>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '--') {
      positional.push(...tokens.slice(i + 1)); // the remote command line
      break;
    }
    if (t.startsWith('-')) {
      const option = byFlag(t.split('=')[0]!);
      if (!option) out.push(`${commandName(command)} has no option ${t}`);
      else {
        seen.add(option);
        if ((option.required || option.optional) && !t.includes('=')) i++;
      }
    } else positional.push(t);
  }
  const required = command.registeredArguments.filter((a) => a.required).length;
  if (positional.length < required) out.push(`${commandName(command)} needs ${required} arguments, the example gives ${positional.length}`);
  if (positional.length > command.registeredArguments.length && !command.registeredArguments.some((a) => a.variadic)) out.push(`${commandName(command)} takes ${command.registeredArguments.length} arguments, the example gives ${positional.length}`);
  for (const o of command.options) if (o.mandatory && !seen.has(o)) out.push(`${commandName(command)} needs ${o.long}`);
  return out;
}

describe('every command explains itself with an example', async () => {
  const root = await program(io);
  const commands = all(root);

  it('has a description for every command', () => {
    expect(commands.length).toBeGreaterThan(70);
    expect(commands.filter((c) => !c.description().trim()).map(commandName)).toEqual([]);
  });

  it('ends the help of every command that runs something with an example', () => {
    const leaves = commands.filter((c) => c.commands.length === 0);
    expect(leaves.filter((c) => !/^Example:/m.test(helpOf(c))).map(commandName)).toEqual([]);
    expect(helpOf(root)).toContain('First steps:');
  });

  it('gives examples that name a real command with its own options and arguments', () => {
    const names = new Set(commands.map(commandName));
    expect(Object.keys(EXAMPLES).filter((n) => !names.has(n))).toEqual([]);
    const wrong = Object.entries(EXAMPLES).flatMap(([name, e]) => {
      const starts = e.line.startsWith(`fleetdeck ${name}`) ? [] : [`${name}: the example runs another command`];
      return [...starts, ...problems(root, e.line)];
    });
    expect([...wrong, ...FIRST_STEPS.flatMap((e) => problems(root, e.line))]).toEqual([]);
  });

  it('offers --json on every command that prints a result', () => {
    // Not results: the app server, an interactive shell, a live view, and exports whose output is the file format itself.
    const notResults = new Set(['serve', 'ssh', 'health watch', 'inventory export']);
    const leaves = commands.filter((c) => c.commands.length === 0 && !notResults.has(commandName(c)));
    expect(leaves.length).toBeGreaterThan(60);
    expect(leaves.filter((c) => !c.options.some((o) => o.long === '--json')).map(commandName)).toEqual([]);
  });

  it('catches an example with an option the command does not have, or a missing argument', () => {
    expect(problems(root, 'fleetdeck lab start --appliancez 3')).toContain('lab start has no option --appliancez');
    expect(problems(root, 'fleetdeck lab fault LAB00001')).toEqual(['lab fault needs 2 arguments, the example gives 1']);
    expect(problems(root, 'fleetdeck fills prepare --placement-id 1')).toEqual(['fills prepare needs --placement']);
  });
});
