/**
 * What the command groups share to read their options and ask on a terminal: one copy each instead
 * of one per command file.
 */
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './io';

/** An option that may be given more than once (`--checks disk --checks nic`), gathered into a list. */
export const repeated = (value: string, previous: string[] = []) => [...previous, value];

/** A whole number from `min` to `max`, or commander's "a whole number from 1 to 64" refusal. */
export function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
    return n;
  };
}

/**
 * One line typed on the terminal, trimmed; the question goes to stderr so stdout stays the command's
 * output. Ctrl-C at the prompt is an empty answer (a no). Standard input that ends before a line
 * (Ctrl-D, a closed pipe) is a UsageError saying so and what to pass instead (`instead`), the same
 * exit status as any refused confirmation: without it the question never settled and Node left
 * with status 13, printing nothing.
 */
export async function ask(question: string, instead = 'pass --yes to confirm without a prompt'): Promise<string> {
  const noAnswer = () => new UsageError(`no answer on standard input (it ended before a line was typed); ${instead}`);
  if (process.stdin.readableEnded) throw noAnswer();
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  let onEnd = () => {};
  const ended = new Promise<never>((_resolve, reject) => {
    onEnd = () => reject(noAnswer());
    process.stdin.once('end', onEnd);
  });
  try {
    return (await Promise.race([rl.question(question).catch(() => ''), ended])).trim();
  } finally {
    process.stdin.off('end', onEnd);
    rl.close();
  }
}
