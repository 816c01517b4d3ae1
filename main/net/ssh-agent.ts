/**
 * Which SSH agent the `agent` auth mode talks to, in ssh2's terms (its `agent` option):
 * - SSH_AUTH_SOCK when set: an OpenSSH agent's UNIX socket, or on Windows a named pipe
 *   (`\\.\pipe\openssh-ssh-agent`, Windows' own OpenSSH agent) or a Cygwin socket file;
 * - on Windows without SSH_AUTH_SOCK: `pageant`, PuTTY's agent (ssh2 talks to it directly);
 * - elsewhere without it: none, and the caller says why no login can work.
 */
export const PAGEANT = 'pageant';

export function sshAgentPath(env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform): string | null {
  const socket = env['SSH_AUTH_SOCK']?.trim();
  if (socket) return socket;
  return platform === 'win32' ? PAGEANT : null;
}
