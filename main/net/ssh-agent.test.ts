import { describe, expect, it } from 'vitest';
import { PAGEANT, sshAgentPath } from './ssh-agent';

describe('sshAgentPath', () => {
  it('uses SSH_AUTH_SOCK on every platform when it is set', () => {
    expect(sshAgentPath({ SSH_AUTH_SOCK: '/tmp/ssh-XXXX/agent.42' }, 'linux')).toBe('/tmp/ssh-XXXX/agent.42');
    expect(sshAgentPath({ SSH_AUTH_SOCK: '/private/tmp/com.apple.launchd.x/Listeners' }, 'darwin')).toBe('/private/tmp/com.apple.launchd.x/Listeners');
    expect(sshAgentPath({ SSH_AUTH_SOCK: '\\\\.\\pipe\\openssh-ssh-agent' }, 'win32')).toBe('\\\\.\\pipe\\openssh-ssh-agent');
  });

  it('falls back to Pageant on Windows only', () => {
    expect(sshAgentPath({}, 'win32')).toBe(PAGEANT);
    expect(sshAgentPath({ SSH_AUTH_SOCK: '  ' }, 'win32')).toBe('pageant');
    expect(sshAgentPath({}, 'linux')).toBeNull();
    expect(sshAgentPath({ SSH_AUTH_SOCK: '' }, 'darwin')).toBeNull();
  });
});
