#!/usr/bin/env node
// Makes sure the Debian packages the tests need are present: Chromium (Playwright drives it) and
// OpenSSH's server (interop tests); and, for the benchmarks, the peers they compare with
// (parallel-ssh, Ansible, curl, the sqlite3 shell). Installs them with apt-get where this machine
// allows it (root + apt-get), otherwise says exactly what to install by hand.
//   node scripts/system-deps.mjs [--bench]
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const SYSTEM_DEPS = [
  { pkg: 'chromium', path: '/usr/bin/chromium', why: 'end-to-end tests drive it with Playwright' },
  { pkg: 'openssh-server', path: '/usr/sbin/sshd', why: 'interop tests run a real OpenSSH sshd on loopback' },
  { pkg: 'openssh-client', path: '/usr/bin/ssh-keygen', why: 'tests make OpenSSH keys of each type' },
  { pkg: 'bsdutils', path: '/usr/bin/script', why: 'CLI tests run fleetdeck on a pseudo-terminal' },
  { pkg: 'util-linux', path: '/usr/bin/unshare', why: 'the factory-password interop test runs sshd in its own mount namespace' },
  { pkg: 'mount', path: '/bin/mount', why: 'the factory-password interop test bind-mounts a private /etc/passwd and PAM file for sshd' },
];

/** What the benchmarks compare Fleetdeck with, installed the way the tests install theirs. */
export const BENCH_PEERS = {
  fanout: [
    { pkg: 'pssh', path: '/usr/bin/parallel-ssh', why: 'bench:fanout compares with parallel-ssh -p 100' },
    { pkg: 'ansible', path: '/usr/bin/ansible', why: 'bench:fanout compares with ansible -m raw -f 100' },
    { pkg: 'openssh-client', path: '/usr/bin/ssh', why: 'parallel-ssh and Ansible reach the lab with OpenSSH' },
  ],
  health: [{ pkg: 'curl', path: '/usr/bin/curl', why: 'bench:health compares with curl --parallel' }],
  inventory: [{ pkg: 'sqlite3', path: '/usr/bin/sqlite3', why: "bench:inventory compares with the sqlite3 shell's .import" }],
};

/**
 * Installs the missing packages of `deps` (default: the tests') with apt-get when root on Debian,
 * else prints the one command that does. Returns whether all are there now.
 */
export function ensureSystemDeps({ quiet = false, deps = SYSTEM_DEPS, purpose = 'the tests' } = {}) {
  const missing = deps.filter((d) => !existsSync(d.path));
  if (missing.length === 0) return true;
  const names = missing.map((d) => d.pkg).join(' ');
  const canApt = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canApt) {
    console.error(`fleetdeck: missing system packages for ${purpose}: ${names}`);
    for (const d of missing) console.error(`  - ${d.pkg} (${d.path}): ${d.why}`);
    console.error('  Install them with your package manager (Debian/Ubuntu: sudo apt-get install -y ' + names + ').');
    return false;
  }
  if (!quiet) console.log(`fleetdeck: installing ${names} from Debian's packages ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) console.error('fleetdeck: apt-get update failed; trying the install anyway');
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing.map((d) => d.pkg)], {
    stdio: 'inherit',
    env,
  });
  const still = deps.filter((d) => !existsSync(d.path));
  if (install.status !== 0 || still.length) {
    console.error(`fleetdeck: could not install ${still.map((d) => d.pkg).join(' ')}`);
    return false;
  }
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bench = process.argv.includes('--bench');
  const deps = bench ? [...new Map(Object.values(BENCH_PEERS).flat().map((d) => [d.pkg, d])).values()] : SYSTEM_DEPS;
  process.exitCode = ensureSystemDeps({ deps, purpose: bench ? 'the benchmarks' : 'the tests' }) ? 0 : 1;
}
