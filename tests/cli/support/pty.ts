/**
 * A real terminal for CLI tests: util-linux `script` gives the command a pseudo-terminal as its
 * stdin, stdout and stderr (so `isTTY` is true, raw mode and the line discipline are real). The
 * test reads everything the terminal showed, types bytes into it, and presses Ctrl-C, which the
 * terminal driver turns into SIGINT for the foreground process group, as it does for a person.
 *
 *   const term = spawnInPty([process.execPath, CLI, 'exec', '--all', '--', 'ocactl', 'status']);
 *   await term.waitFor(/\[y\/N\]/);
 *   term.write('y\r');
 *   const { code } = await term.exited;
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { quoteWord } from '../../../main/net/remote-command';

export const SCRIPT = '/usr/bin/script';

/** Why pty tests cannot run here, or null when they can. */
export function ptyUnavailable(): string | null {
  if (process.platform !== 'linux') return `pseudo-terminal tests use util-linux script, which is Linux only (this is ${process.platform})`;
  if (!existsSync(SCRIPT)) return `${SCRIPT} is missing (Debian package bsdutils / util-linux)`;
  return null;
}

export interface PtyOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Terminal size the command sees (stty cols/rows). */
  cols?: number;
  rows?: number;
}

export interface PtyExit {
  /** The command's exit status (script -e passes it on); 128+N when a signal N ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Escape sequences a terminal interprets (CSI, cursor save/restore, OSC) and lone carriage returns. */
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007|\u001b[78=>]/g;

/** What a person would read: escape sequences removed, CRLF as LF. */
export function plainText(raw: string): string {
  return raw.replace(ESCAPES, '').replace(/\r\n/g, '\n');
}

export class PtySession {
  private raw = '';
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<PtyExit>;

  constructor(private readonly child: ChildProcess) {
    // setEncoding keeps a character split across two reads (the bar's █ is 3 bytes) whole.
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.take(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.take(chunk));
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.notify();
        resolve({ code, signal });
      });
    });
  }

  /** Everything the terminal received, escape sequences included. */
  get output(): string {
    return this.raw;
  }

  /** The output as text (see plainText). */
  get text(): string {
    return plainText(this.raw);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Type bytes into the terminal (`y\r` answers a prompt; a terminal sends \r for Enter). */
  write(bytes: string): void {
    this.child.stdin!.write(bytes);
  }

  /** Ctrl-C: the terminal driver sends SIGINT to the foreground process group. */
  interrupt(): void {
    this.write('\u0003');
  }

  /**
   * Resolves with the output once `test` holds for it (a RegExp is tried on the plain text).
   * Rejects, with everything seen so far, after timeoutMs or when the command exits first.
   */
  waitFor(test: RegExp | ((session: PtySession) => boolean), timeoutMs = 30_000): Promise<string> {
    const holds = () => (test instanceof RegExp ? test.test(this.text) : test(this));
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve(this.text);
      };
      const check = () => {
        if (holds()) return done();
        if (!this.running) done(new Error(`the command exited before ${String(test)} showed; it printed:\n${this.text}`));
      };
      const timer = setTimeout(() => done(new Error(`${String(test)} did not show in ${timeoutMs} ms; the terminal shows:\n${this.text}`)), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for the exit; kills the command (and fails) if it takes longer than timeoutMs. */
  async exit(timeoutMs = 30_000): Promise<PtyExit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new Error(`the command did not exit in ${timeoutMs} ms; the terminal shows:\n${this.text}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends script and, through the hang-up of its terminal, the command. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  private take(chunk: string): void {
    this.raw += chunk;
    this.notify();
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }
}

/** Runs argv on a fresh pseudo-terminal of the given size. */
export function spawnInPty(argv: readonly string[], options: PtyOptions = {}): PtySession {
  const reason = ptyUnavailable();
  if (reason) throw new Error(reason);
  const { cols = 120, rows = 40 } = options;
  // script runs the line with $SHELL -c; `exec` leaves the command as the terminal's session
  // leader's only child, in the foreground process group.
  const line = `stty cols ${cols} rows ${rows}; exec ${argv.map(quoteWord).join(' ')}`;
  const child = spawn(SCRIPT, ['--quiet', '--return', '--flush', '--command', line, '/dev/null'], {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), SHELL: '/bin/sh', TERM: 'xterm-256color' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new PtySession(child);
}
