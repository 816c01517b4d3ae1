/**
 * The reference agent's `ocactl`: the same command as on a lab appliance (main/lab/ocactl.ts), run
 * against the model kept in the agent's state folder. Prints one JSON envelope, exits with its status.
 * `ocactl agent-fault <fault-id> [--off]` toggles a lab fault on this host (not part of the API).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPLIANCE_API_VERSION, EXIT_CODE_OF } from '../../appliance/contract';
import { parseReleaseKey, type ReleaseKey } from '../../appliance/sshsig';
import { FaultId } from '../contract';
import { runOcactl } from '../ocactl';
import { delay, DEFAULT_SLOW_DELAY_MS } from '../reply-faults';
import { agentDir, withAgentAppliance } from './store';

function refuse(code: 'E_UNAVAILABLE' | 'E_USAGE', command: string, message: string): { stdout: string; exitCode: number } {
  return {
    stdout: JSON.stringify({ api: APPLIANCE_API_VERSION, ok: false, command, error: { code, message } }) + '\n',
    exitCode: EXIT_CODE_OF[code],
  };
}

/** The agent's release keys file in its state folder: one ed25519 public key line each (see docs/firmware.md). */
export const RELEASE_KEYS_FILE = 'release_keys';

/** The release keys this host verifies firmware with; a line that is not an ed25519 key fails loudly. */
function readReleaseKeys(dir: string): ReleaseKey[] {
  const path = join(dir, RELEASE_KEYS_FILE);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((line) => parseReleaseKey(line));
}

export async function ocactl(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; exitCode: number; slow?: boolean }> {
  const dir = agentDir(env);
  if (!existsSync(join(dir, 'agent.json'))) {
    return refuse('E_UNAVAILABLE', argv[0] ?? '', `The appliance agent is not set up (no ${join(dir, 'agent.json')}); start ocactl-httpd once.`);
  }
  return withAgentAppliance(dir, async (appliance) => {
    if (argv[0] === 'agent-fault') {
      const fault = FaultId.safeParse(argv[1]);
      if (!fault.success) return refuse('E_USAGE', 'agent-fault', `agent-fault needs a fault id: ${FaultId.options.join(', ')}`);
      const faults = appliance.setFault(fault.data, argv[2] !== '--off');
      return { stdout: JSON.stringify({ faults }) + '\n', exitCode: 0 };
    }
    // A rebooting appliance does not run commands; here sshd still answers, so ocactl says so.
    if (appliance.isDown()) return refuse('E_UNAVAILABLE', argv[0] ?? '', 'The appliance is rebooting.');
    const out = await runOcactl({ appliance, stagingDisk: appliance.state.stagingDir, releaseKeys: readReleaseKeys(dir) }, argv);
    // `slow` waits after the state is saved and unlocked, so the HTTP side is not held up too.
    return { stdout: out.stdout, exitCode: out.exitCode, slow: appliance.hasFault('slow') };
  });
}

export async function ocactlMain(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const out = await ocactl(argv, env);
    if (out.slow) await delay(DEFAULT_SLOW_DELAY_MS);
    process.stdout.write(out.stdout);
    return out.exitCode;
  } catch (err) {
    process.stdout.write(refuse('E_UNAVAILABLE', argv[0] ?? '', `ocactl could not read the appliance state: ${err instanceof Error ? err.message : String(err)}`).stdout);
    return EXIT_CODE_OF.E_UNAVAILABLE;
  }
}
