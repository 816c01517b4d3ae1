/**
 * What the command groups share to read their options and ask on a terminal: one copy each instead
 * of one per command file.
 */
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError } from 'commander';

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

/** One line typed on the terminal, trimmed; the question goes to stderr so stdout stays the command's output. */
export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question).catch(() => '')).trim();
  } finally {
    rl.close();
  }
}
