/** Try a password as the appliance login user `oca` (password, then keyboard-interactive); resolves true when it logs in. */
import ssh2 from 'ssh2';

export function passwordLogsIn(port: number, password: string, readyTimeoutMs = 30_000): Promise<boolean> {
  return new Promise((resolve) => {
    const c = new ssh2.Client();
    c.on('ready', () => (c.end(), resolve(true)));
    c.on('error', () => resolve(false));
    c.on('keyboard-interactive', (_n, _i, _l, prompts, finish) => finish(prompts.map(() => password)));
    c.connect({ host: '127.0.0.1', port, username: 'oca', password, tryKeyboard: true, readyTimeout: readyTimeoutMs, hostVerifier: () => true });
  });
}
