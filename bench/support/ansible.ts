/**
 * The OpenSSH and Ansible set-up the benchmarks share when they run a peer tool against the lab
 * (bench:fanout's `ansible -m raw`, bench:rollout's playbook): the engine's fleet key and its
 * known_hosts written to the bench's temp dir, strict host-key checking, and an Ansible whose home,
 * temp dir and ControlPersist sockets all live in that dir (nothing of the user's ~/.ansible is read
 * or written; `closeAnsibleMasters` ends the persisted connections before the dir goes).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The identity and trust an OpenSSH client needs for the lab, written as files in the bench's dir. */
export interface OpenSshTrust {
  /** The fleet's private key (mode 0600). */
  keyFile: string;
  /** The known_hosts Fleetdeck exported: the same trust the engine has. */
  knownHosts: string;
  /** `-o` options for ssh: these known hosts, strict checking, batch mode, this key only, quiet. */
  options: string[];
}

/** Writes the fleet key and known_hosts into `dir` for OpenSSH-based peers. */
export function writeOpenSshTrust(dir: string, fleetKey: string | Uint8Array, knownHostsText: string): OpenSshTrust {
  const keyFile = join(dir, 'fleet_key');
  writeFileSync(keyFile, fleetKey, { mode: 0o600 });
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, knownHostsText);
  const options = ['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'LogLevel=ERROR'];
  return { keyFile, knownHosts, options };
}

/** One lab appliance as an inventory line needs it. */
export interface AnsibleHost {
  serial: string;
  ipv4: string | null;
  sshPort: number;
}

/** Writes an INI inventory of group `[lab]` to `path`; `vars` adds host variables to each line. */
export function writeAnsibleInventory(path: string, hosts: readonly AnsibleHost[], username: string, vars: (h: AnsibleHost) => string = () => ''): void {
  const line = (h: AnsibleHost) => `${h.serial} ansible_host=${h.ipv4} ansible_port=${h.sshPort} ansible_user=${username}${vars(h) ? ' ' + vars(h) : ''}`;
  writeFileSync(path, '[lab]\n' + hosts.map(line).join('\n') + '\n');
}

/**
 * The environment for `ansible`/`ansible-playbook`: home, temp and control-socket dirs in `dir`,
 * host-key checking on, the fleet key, OpenSSH multiplexing kept `persistSeconds`, no colour;
 * `extra` adds or overrides variables.
 */
export function ansibleEnv(dir: string, ssh: OpenSshTrust, persistSeconds: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_HOME: join(dir, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'ansible-cp'),
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_PRIVATE_KEY_FILE: ssh.keyFile,
    ANSIBLE_SSH_ARGS: `-o ControlMaster=auto -o ControlPersist=${persistSeconds}s ${ssh.options.join(' ')}`,
    ANSIBLE_NOCOLOR: '1',
    ...extra,
  };
}

/**
 * Ends the OpenSSH control masters Ansible left running (ControlPersist) for `dir`: `ssh -O exit`
 * for each socket, run without a shell, so no character of the path is read as shell syntax (and
 * `%` doubled: ssh expands %-tokens in ControlPath).
 */
export function closeAnsibleMasters(dir: string): void {
  const sockets = join(dir, 'ansible-cp');
  if (!existsSync(sockets)) return;
  for (const name of readdirSync(sockets)) {
    spawnSync('ssh', ['-o', `ControlPath=${join(sockets, name).replaceAll('%', '%%')}`, '-O', 'exit', 'x'], { stdio: 'ignore' });
  }
}
