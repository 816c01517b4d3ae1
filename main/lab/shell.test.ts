/** The restricted shell's line editing and command rules, on a scripted host (no network). */
import { describe, expect, it } from 'vitest';
import { RestrictedShell, type ShellHost } from './shell';

function harness(interactive = true) {
  const ran: string[][] = [];
  const host: ShellHost = {
    ocactl: async (argv) => {
      ran.push([...argv]);
      const result = argv[0] === 'status' ? { hostname: 'oca01.test', serial: 'OCA1', uptimeSeconds: 90_061, bootedAt: '2026-01-01T00:00:00Z', disk: { usedBytes: 50, totalBytes: 100 } } : { entries: [{ at: '2026-01-01T00:00:00Z', level: 'info', component: 'disk', message: 'all good' }] };
      return { stdout: JSON.stringify({ api: 1, ok: true, command: argv[0], result }) + '\n', stderr: '', exitCode: 0 };
    },
    listStaging: async () => [{ name: 'fw.img', size: 42 }],
  };
  let out = '';
  let exit: number | null = null;
  const shell = new RestrictedShell(host, { write: (t) => (out += t), exit: (s) => (exit = s) }, interactive);
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { shell, ran, settle, out: () => out, exit: () => exit, reset: () => (out = '') };
}

describe('the restricted appliance shell', () => {
  it('edits the line: backspace, Ctrl-U, Ctrl-C, arrow keys ignored; runs ocactl with the words typed', async () => {
    const h = harness();
    await h.shell.start();
    expect(h.out()).toMatch(/OCA1 \(oca01\.test\): restricted appliance shell[\s\S]*oca@oca01\.test:~\$ $/);
    h.ran.length = 0;
    h.shell.feed('ocactl lgo\x7f\x7fogs\x1b[A\x1b[D\r');
    await h.settle();
    expect(h.ran).toEqual([['logs']]);
    h.shell.feed('rm -rf /\x15ocactl status\r');
    await h.settle();
    expect(h.ran.at(-1)).toEqual(['status']);
    h.reset();
    h.shell.feed('half\x03');
    await h.settle();
    expect(h.out()).toBe('half^C\r\noca@oca01.test:~$ ');
    expect(h.exit()).toBeNull();
  });

  it('runs only its few commands and says so for anything else', async () => {
    const h = harness(false);
    expect(await h.shell.run('uptime')).toBe(0);
    expect(h.out()).toContain('up 1 day, 1:01');
    expect(await h.shell.run('bash')).toBe(127);
    expect(h.out()).toContain('bash: not available in this restricted shell');
    expect(await h.shell.run('cat /etc/passwd')).toBe(1);
    expect(await h.shell.run('cat /var/log/ocactl.log')).toBe(0);
    expect(h.out()).toContain('INFO  disk: all good');
    expect(await h.shell.run('ls /')).toBe(2);
    expect(await h.shell.run('ls -l')).toBe(0);
    expect(h.out()).toContain('42 fw.img');
    expect(await h.shell.run("ocactl 'unterminated")).toBe(2);
    expect(h.out()).not.toContain('\r\n');
  });

  it('logs out on Ctrl-D at an empty line only, and with exit N', async () => {
    const h = harness();
    await h.shell.start();
    h.shell.feed('abc\x04');
    await h.settle();
    expect(h.exit()).toBeNull();
    h.shell.feed('\x15\x04');
    await h.settle();
    expect(h.exit()).toBe(0);
    const g = harness();
    await g.shell.start();
    g.shell.feed('exit 7\r');
    await g.settle();
    expect(g.exit()).toBe(7);
  });
});
