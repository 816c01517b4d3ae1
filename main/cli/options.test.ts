import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { repeated, wholeNumber } from './options';

/** A command with the shared parsers, as the command groups declare them; its options after parsing `argv`. */
function parse(argv: string[]) {
  const cmd = new Command('t')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .option('--checks <name>', 'repeatable', repeated, [])
    .option('--concurrency <n>', 'whole number', wholeNumber(1, 64));
  cmd.parse(argv, { from: 'user' });
  return cmd.opts<{ checks: string[]; concurrency?: number }>();
}

describe('the shared option parsers', () => {
  it('gathers a repeated option in order', () => {
    expect(parse(['--checks', 'disk', '--checks', 'nic']).checks).toEqual(['disk', 'nic']);
    expect(parse([]).checks).toEqual([]);
  });

  it('takes whole numbers in range and refuses the rest with the range', () => {
    expect(parse(['--concurrency', '1']).concurrency).toBe(1);
    expect(parse(['--concurrency', '64']).concurrency).toBe(64);
    for (const bad of ['0', '65', '2.5', '-3', 'ten', '']) {
      expect(() => parse(['--concurrency', bad]), bad).toThrow(CommanderError);
      expect(() => parse(['--concurrency', bad]), bad).toThrow(/a whole number from 1 to 64/);
    }
  });
});

describe('the terminal question', () => {
  /** `ask` in a real process with `input` on its stdin: what it printed where, and the answer. */
  const asked = (input: string) => {
    const code = `import { ask } from ${JSON.stringify(join(import.meta.dirname, 'options.ts'))};\nprocess.stdout.write(JSON.stringify(await ask('Start? [y/N] ')));`;
    return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { input, encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });
  };

  it('asks on stderr and answers the line typed, trimmed', () => {
    const yes = asked('  y \n');
    expect(yes.stderr).toBe('Start? [y/N] ');
    expect(yes.stdout).toBe('"y"');
  }, 60_000);

  it('standard input that ends before an answer: a sentence with what to pass instead, and the exit status of a refused confirmation (1), through the commands\' own error wrapper', () => {
    // As a command asks: inside `action`, which turns any failure into one line on stderr and status 1.
    const code = [
      `import { ask } from ${JSON.stringify(join(import.meta.dirname, 'options.ts'))};`,
      `import { action, processIo } from ${JSON.stringify(join(import.meta.dirname, 'io.ts'))};`,
      `await action(processIo, 'rollout abort', async () => { processIo.out(JSON.stringify(await ask('Abort rollout 1? [y/N] '))); })();`,
    ].join('\n');
    const run = (input: string) => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { input, encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });
    // Nothing at all (before: status 13, nothing printed).
    const none = run('');
    expect(none.stderr).toBe('Abort rollout 1? [y/N] fleetdeck rollout abort: no answer on standard input (it ended before a line was typed); pass --yes to confirm without a prompt\n');
    expect(none.stdout).toBe('');
    expect(none.status).toBe(1);
  }, 120_000);
});
