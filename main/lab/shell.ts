/**
 * The appliance's restricted login shell, shared by the lab's ssh2 server (a `shell` request on a
 * session) and the reference agent behind OpenSSH (its ForceCommand / login shell,
 * main/lab/agent/shell-cli.ts). It runs `ocactl …` and a few read-only commands (uptime, df,
 * hostname, ls of the staging area and the log folder, cat of the appliance log, help, clear,
 * exit) and says so for anything else. On a terminal (a pty was requested) it edits the line
 * itself, as the pty is raw: echo, backspace, Ctrl-C (drop the line), Ctrl-D (log out on an empty
 * line), Ctrl-U (erase the line), Ctrl-L (clear the screen); escape sequences (arrows) are ignored.
 */
import { APPLIANCE_API_VERSION, DEFAULT_STAGING_DIR } from '../appliance/contract';
import { splitCommandLine } from './ocactl';

/** The appliance log `cat` shows, built from `ocactl logs`. */
export const SHELL_LOG_DIR = '/var/log';
export const SHELL_LOG_PATH = `${SHELL_LOG_DIR}/ocactl.log`;
/** The longest line the editor keeps (more is not taken: a bell instead). */
export const MAX_LINE = 4096;

export interface ShellHost {
  /** Runs ocactl with these words; never throws (failures are envelopes with a status). */
  ocactl(argv: readonly string[]): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  /** The staging area's files (name and size), as SFTP shows them at DEFAULT_STAGING_DIR. */
  listStaging(): Promise<Array<{ name: string; size: number }>>;
  /** The pty's size as the client last set it (null without a pty): `stty size` prints it. */
  ptySize?: () => { cols: number; rows: number } | null;
}

export interface ShellTerminal {
  write(text: string): void;
  /** The shell is done: the session's exit status. */
  exit(status: number): void;
}

const HELP = [
  'This appliance shell runs only these commands:',
  '  ocactl <command> ...     the appliance API (ocactl help for its commands)',
  '  uptime                   time since boot',
  '  df [-h]                  cache and staging disk use',
  '  hostname                 this appliance\'s name',
  '  stty size                the terminal\'s rows and columns',
  `  ls [${DEFAULT_STAGING_DIR}|${SHELL_LOG_DIR}] [-l]   the staging area or the log folder`,
  `  cat ${SHELL_LOG_PATH}   the appliance log`,
  '  clear                    clear the screen',
  '  help                     this list',
  '  exit                     log out (also Ctrl-D)',
].join('\n');

type Envelope = { ok: boolean; result?: unknown; error?: { message?: string } };

function parseEnvelope(stdout: string): Envelope | null {
  try {
    const parsed = JSON.parse(stdout) as Envelope & { api?: unknown };
    return parsed && typeof parsed === 'object' && parsed.api === APPLIANCE_API_VERSION ? parsed : null;
  } catch {
    return null;
  }
}

function human(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)}${units[i]}`;
}

function duration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${days > 0 ? `${days} day${days === 1 ? '' : 's'}, ` : ''}${hours}:${String(minutes).padStart(2, '0')}`;
}

export class RestrictedShell {
  private line = '';
  private pending = '';
  private busy = false;
  private done = false;
  private lastCr = false;
  private hostname = 'oca';

  constructor(
    private readonly host: ShellHost,
    private readonly terminal: ShellTerminal,
    /** A pty was requested: edit the line, echo, and end lines with CR LF. */
    private readonly interactive: boolean,
  ) {}

  /** Greets and shows the first prompt. */
  async start(): Promise<void> {
    const status = await this.host.ocactl(['status']).catch(() => null);
    const reply = status ? parseEnvelope(status.stdout) : null;
    const result = reply?.ok ? (reply.result as { hostname?: string; serial?: string }) : null;
    if (result?.hostname) this.hostname = result.hostname;
    if (this.interactive) {
      this.print(`${result?.serial ?? 'appliance'} (${this.hostname}): restricted appliance shell. Type help for the commands it runs.`);
      this.prompt();
    }
  }

  /** Bytes typed (as text). Input that arrives while a command runs waits for it. */
  feed(text: string): void {
    if (this.done) return;
    this.pending += text;
    if (!this.busy) void this.drain();
  }

  /** Runs one command line (no prompt, no echo); resolves with its status. */
  async run(line: string): Promise<number> {
    return this.execute(line);
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.done && !this.busy) {
      const chars = [...this.pending];
      this.pending = '';
      for (let i = 0; i < chars.length; i++) {
        if (this.done) return;
        const ch = chars[i]!;
        const wasCr = this.lastCr;
        this.lastCr = ch === '\r';
        if (ch === '\n' && wasCr) continue;
        if (ch === '\r' || ch === '\n') {
          const line = this.line;
          this.line = '';
          if (this.interactive) this.terminal.write('\r\n');
          this.busy = true;
          this.pending = chars.slice(i + 1).join('') + this.pending;
          try {
            await this.execute(line);
          } finally {
            this.busy = false;
          }
          if (!this.done && this.interactive) this.prompt();
          break;
        }
        if (ch === '\x1b') {
          i = skipEscape(chars, i);
          continue;
        }
        if (ch === '\x7f' || ch === '\b') {
          if (this.line) {
            this.line = [...this.line].slice(0, -1).join('');
            if (this.interactive) this.terminal.write('\b \b');
          }
          continue;
        }
        if (ch === '\x03') {
          this.line = '';
          if (this.interactive) {
            this.terminal.write('^C\r\n');
            this.prompt();
          }
          continue;
        }
        if (ch === '\x04') {
          if (this.line === '') {
            if (this.interactive) this.terminal.write('logout\r\n');
            this.finish(0);
            return;
          }
          continue;
        }
        if (ch === '\x15') {
          if (this.interactive) this.terminal.write('\b \b'.repeat([...this.line].length));
          this.line = '';
          continue;
        }
        if (ch === '\x0c') {
          if (this.interactive) {
            this.terminal.write('\x1b[H\x1b[2J');
            this.prompt();
            this.terminal.write(this.line);
          }
          continue;
        }
        if (ch < ' ') continue;
        if (this.line.length >= MAX_LINE) {
          if (this.interactive) this.terminal.write('\x07');
          continue;
        }
        this.line += ch;
        if (this.interactive) this.terminal.write(ch);
      }
    }
  }

  private prompt(): void {
    this.terminal.write(`oca@${this.hostname}:~$ `);
  }

  /** Writes text, ending lines the way the terminal wants them. */
  private print(text: string): void {
    if (!text) return;
    const withEnd = text.endsWith('\n') ? text : `${text}\n`;
    this.terminal.write(this.interactive ? withEnd.replace(/\r?\n/g, '\r\n') : withEnd);
  }

  private finish(status: number): void {
    if (this.done) return;
    this.done = true;
    this.terminal.exit(status);
  }

  private async execute(line: string): Promise<number> {
    const words = splitCommandLine(line.trim());
    if (words === null) {
      this.print('sh: unterminated quote');
      return 2;
    }
    const [program, ...args] = words;
    if (program === undefined) return 0;
    switch (program) {
      case 'help':
      case '?':
        this.print(HELP);
        return 0;
      case 'exit':
      case 'logout': {
        const status = Number(args[0] ?? 0);
        this.finish(Number.isInteger(status) && status >= 0 && status < 256 ? status : 0);
        return 0;
      }
      case 'clear':
        this.terminal.write('\x1b[H\x1b[2J');
        return 0;
      case 'hostname':
        this.print(this.hostname);
        return 0;
      case 'ocactl':
      case '/usr/bin/ocactl':
      case '/usr/sbin/ocactl': {
        const out = await this.host.ocactl(args);
        this.print(out.stdout);
        this.print(out.stderr);
        return out.exitCode;
      }
      case 'uptime':
        return this.uptime();
      case 'stty': {
        const size = this.host.ptySize?.() ?? null;
        if (args.length !== 1 || args[0] !== 'size') {
          this.print('stty: only stty size is available here');
          return 1;
        }
        if (!size) {
          this.print('stty: standard input is not a terminal');
          return 1;
        }
        this.print(`${size.rows} ${size.cols}`);
        return 0;
      }
      case 'df':
        return this.df(args);
      case 'ls':
        return this.ls(args);
      case 'cat':
        return this.cat(args);
      default:
        this.print(`${program.slice(0, 80)}: not available in this restricted shell (it runs ocactl and a few read-only commands; type help)`);
        return 127;
    }
  }

  private async status(): Promise<{ uptimeSeconds: number; bootedAt: string; disk: { usedBytes: number; totalBytes: number } } | string> {
    const out = await this.host.ocactl(['status']);
    const reply = parseEnvelope(out.stdout);
    if (!reply) return 'the appliance did not answer ocactl status';
    if (!reply.ok) return reply.error?.message ?? 'ocactl status failed';
    return reply.result as { uptimeSeconds: number; bootedAt: string; disk: { usedBytes: number; totalBytes: number } };
  }

  private async uptime(): Promise<number> {
    const status = await this.status();
    if (typeof status === 'string') {
      this.print(`uptime: ${status}`);
      return 1;
    }
    this.print(`up ${duration(status.uptimeSeconds)}, booted ${status.bootedAt}`);
    return 0;
  }

  private async df(args: readonly string[]): Promise<number> {
    const bad = args.find((a) => a !== '-h');
    if (bad !== undefined) {
      this.print(`df: only df and df -h are available here`);
      return 1;
    }
    const status = await this.status();
    if (typeof status === 'string') {
      this.print(`df: ${status}`);
      return 1;
    }
    const size = (n: number) => (args.includes('-h') ? human(n) : String(Math.round(n / 1024)));
    const staging = await this.host.listStaging();
    const stagingUsed = staging.reduce((sum, f) => sum + f.size, 0);
    const rows = [
      ['Filesystem', args.includes('-h') ? 'Size' : '1K-blocks', 'Used', 'Use%', 'Mounted on'],
      ['cache', size(status.disk.totalBytes), size(status.disk.usedBytes), `${Math.round((100 * status.disk.usedBytes) / Math.max(1, status.disk.totalBytes))}%`, '/cache'],
      ['staging', '-', size(stagingUsed), '-', DEFAULT_STAGING_DIR],
    ];
    this.print(rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(12) : c.padStart(i === 4 ? 0 : 12))).join(' ')).join('\n'));
    return 0;
  }

  private async ls(args: readonly string[]): Promise<number> {
    const long = args.includes('-l');
    const paths = args.filter((a) => a !== '-l');
    const path = (paths[0] ?? DEFAULT_STAGING_DIR).replace(/\/+$/, '') || '/';
    if (paths.length > 1 || args.some((a) => a.startsWith('-') && a !== '-l')) {
      this.print('ls: only ls [-l] [DIR] is available here');
      return 2;
    }
    if (path === SHELL_LOG_DIR) {
      this.print(long ? `-r--r--r-- 1 root root ${'-'.padStart(10)} ocactl.log` : 'ocactl.log');
      return 0;
    }
    if (path !== DEFAULT_STAGING_DIR && path !== 'staging') {
      this.print(`ls: ${path.slice(0, 200)}: only ${DEFAULT_STAGING_DIR} and ${SHELL_LOG_DIR} can be listed here`);
      return 2;
    }
    const files = (await this.host.listStaging()).sort((a, b) => a.name.localeCompare(b.name));
    if (files.length === 0) return 0;
    this.print(files.map((f) => (long ? `-rw-r--r-- 1 oca oca ${String(f.size).padStart(10)} ${f.name}` : f.name)).join('\n'));
    return 0;
  }

  private async cat(args: readonly string[]): Promise<number> {
    if (args.length !== 1 || (args[0] !== SHELL_LOG_PATH && !(args[0] === 'ocactl.log'))) {
      this.print(`cat: only ${SHELL_LOG_PATH} can be read here`);
      return 1;
    }
    const out = await this.host.ocactl(['logs', '--limit', '200']);
    const reply = parseEnvelope(out.stdout);
    if (!reply?.ok) {
      this.print(`cat: ${reply?.error?.message ?? 'the appliance log could not be read'}`);
      return 1;
    }
    const entries = (reply.result as { entries: Array<{ at: string; level: string; component: string; message: string }> }).entries;
    this.print(entries.map((e) => `${e.at} ${e.level.toUpperCase().padEnd(5)} ${e.component}: ${e.message}`).join('\n'));
    return 0;
  }
}

/** Index of the last character of the escape sequence starting at chars[i] (ESC). */
function skipEscape(chars: readonly string[], i: number): number {
  const next = chars[i + 1];
  if (next === '[') {
    let j = i + 2;
    while (j < chars.length && !/[@-~]/.test(chars[j]!)) j++;
    return Math.min(j, chars.length - 1);
  }
  if (next === 'O') return Math.min(i + 2, chars.length - 1);
  return next === undefined ? i : i + 1;
}
