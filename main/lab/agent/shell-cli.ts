/**
 * The reference agent's restricted login shell (main/lab/shell.ts) behind a real OpenSSH sshd:
 * set it as the login user's shell or as `ForceCommand` (resources/agent/ocactl-shell). On a pty
 * it puts the terminal in raw mode and edits the line itself; with SSH_ORIGINAL_COMMAND (an exec
 * request under ForceCommand: the manager's `ocactl …` jobs) it runs that one command line through
 * the same restrictions and exits with its status.
 */
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { RestrictedShell, type ShellHost } from '../shell';
import { listStagingFiles } from '../shell-channel';
import { ocactl } from './ocactl-cli';
import { agentDir } from './store';

export async function shellMain(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const host: ShellHost = {
    ocactl: async (argv) => {
      const out = await ocactl(argv, env);
      return { stdout: out.stdout, stderr: '', exitCode: out.exitCode };
    },
    listStaging: () => listStagingFiles(join(agentDir(env), 'staging')),
    ptySize: () => (process.stdout.isTTY ? { cols: process.stdout.columns, rows: process.stdout.rows } : null),
  };
  // A pty in raw mode (Node's) still turns \n into \r\n on output (OPOST): the shell's own \r\n would double it.
  const onTty = process.stdout.isTTY === true;
  const write = (text: string) => void process.stdout.write(onTty ? text.replace(/\r\n/g, '\n') : text);
  const original = env.SSH_ORIGINAL_COMMAND;
  if (original !== undefined && original.trim() !== '') {
    let status: number | null = null;
    const shell = new RestrictedShell(host, { write, exit: (s) => (status = s) }, false);
    const ran = await shell.run(original);
    return status ?? ran;
  }
  const stdin = process.stdin;
  const interactive = stdin.isTTY === true;
  if (interactive) stdin.setRawMode(true);
  return new Promise<number>((resolve) => {
    const decoder = new StringDecoder('utf8');
    const shell = new RestrictedShell(
      host,
      {
        write,
        exit: (status) => {
          if (interactive) stdin.setRawMode(false);
          stdin.pause();
          resolve(status);
        },
      },
      interactive,
    );
    void shell.start().then(() => {
      stdin.on('data', (chunk: Buffer) => shell.feed(decoder.write(chunk)));
      stdin.on('end', () => shell.feed('\x04'));
    });
  });
}
