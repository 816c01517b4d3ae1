/** The restricted shell (shell.ts) on an ssh2 server channel, and the staging listing it shows. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { ServerChannel } from 'ssh2';
import { RestrictedShell, type ShellHost } from './shell';

export function serveShell(channel: ServerChannel, pty: boolean, host: ShellHost): RestrictedShell {
  let ended = false;
  const shell = new RestrictedShell(
    host,
    {
      write: (text) => {
        if (!ended) channel.write(text);
      },
      exit: (status) => {
        if (ended) return;
        ended = true;
        channel.exit(status);
        channel.end();
      },
    },
    pty,
  );
  const decoder = new StringDecoder('utf8');
  void shell.start().then(() => {
    channel.on('data', (chunk: Buffer) => shell.feed(decoder.write(chunk)));
    // Without a pty, end of input ends the shell as it would a real one.
    channel.on('end', () => shell.feed('\x04'));
  });
  channel.on('close', () => (ended = true));
  return shell;
}

/** Files in a staging directory on this machine (names and sizes); none when it does not exist. */
export async function listStagingFiles(dir: string): Promise<Array<{ name: string; size: number }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: Array<{ name: string; size: number }> = [];
  for (const name of names) {
    try {
      const s = await stat(join(dir, name));
      if (s.isFile()) out.push({ name, size: s.size });
    } catch {
      // Gone between readdir and stat.
    }
  }
  return out;
}
