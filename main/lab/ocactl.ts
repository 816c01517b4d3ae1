/**
 * `ocactl`: argv in, one JSON envelope out, against an appliance model. The lab's SSH exec handler
 * and the reference agent's real `ocactl` executable both call runOcactl, so the contract is the
 * same through ssh2 and through OpenSSH.
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import {
  APPLIANCE_API_VERSION,
  DIAG_CHECKS,
  EXIT_CODE_OF,
  MAX_CACHE_PAGE,
  type DiagCheck,
  type OcactlCommand,
} from '../appliance/contract';
import { inspectFirmwareImage } from '../appliance/image';
import { digestFile, MAX_SIGNATURE_TEXT, SignatureError, verifySshSignature, type ReleaseKey } from '../appliance/sshsig';
import type { LabAppliance } from './model/appliance';
import { ApplianceError } from './model/errors';
import { accessCommand } from './model/factory';
import { bendReply } from './reply-faults';
import { runDiagnostic } from './diag-probes';

export interface OcactlHost {
  appliance: LabAppliance;
  /** The real directory on this machine that holds the appliance's staging area. */
  stagingDisk: string;
  /**
   * Release keys: when there are any, `firmware activate` needs `<image>.sig` beside the image, an
   * SSHSIG by one of them in the fleetdeck-firmware namespace, or refuses with E_IMAGE.
   */
  releaseKeys?: readonly ReleaseKey[];
}

export interface OcactlOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const USAGE = [
  'usage: ocactl <command>',
  '  status',
  '  firmware stage-check|activate <image> | firmware commit | firmware rollback',
  '  reboot | drain | undrain',
  '  config get | config set <key>=<value>...',
  '  bgp status',
  `  diag ${DIAG_CHECKS.join('|')}`,
  '  cache list [--offset N] [--limit N]',
  '  logs [--since <ISO time>] [--limit N]',
  '  access status | access add-key <type> <base64> | access password-login on|off | access set-password <hash>',
].join('\n');

const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

function usage(message: string): never {
  throw new ApplianceError('E_USAGE', `${message} (${USAGE.split('\n').slice(1).map((l) => l.trim()).join('; ')})`);
}

/** Options after the command words: `--name value`. */
function options(words: readonly string[], allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const name = word.startsWith('--') ? word.slice(2) : null;
    if (name === null || !allowed.includes(name)) usage(`unexpected argument "${word}"`);
    const value = words[i + 1];
    if (value === undefined) usage(`--${name} needs a value`);
    out.set(name, value);
    i++;
  }
  return out;
}

function intOption(opts: Map<string, string>, name: string, fallback: number, max: number): number {
  const raw = opts.get(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) usage(`--${name} must be a whole number up to ${max}`);
  return Number(raw);
}

/** The staged file an argument names: a bare name or a path inside the staging directory. */
function stagedFile(host: OcactlHost, arg: string | undefined): { name: string; path: string } {
  if (!arg) usage('name the image in the staging directory');
  const stagingDir = host.appliance.state.stagingDir;
  const dir = arg.includes('/') ? posix.normalize(dirname(arg)) : stagingDir;
  const name = basename(arg);
  if (dir !== posix.normalize(stagingDir) || !IMAGE_NAME.test(name)) {
    throw new ApplianceError('E_USAGE', `Images are read from ${stagingDir}; "${arg}" is not a file there.`);
  }
  const path = join(host.stagingDisk, name);
  if (!existsSync(path)) throw new ApplianceError('E_NOT_FOUND', `There is no ${name} in ${stagingDir}; upload it over SFTP first.`);
  return { name, path };
}

/** Defence in depth: the appliance verifies the release signature itself before it activates an image. */
async function checkSignature(host: OcactlHost, file: { name: string; path: string }): Promise<void> {
  const keys = host.releaseKeys ?? [];
  if (keys.length === 0) return;
  let signature: Buffer | null = null;
  try {
    const fh = await open(`${file.path}.sig`, 'r');
    try {
      const buf = Buffer.alloc(MAX_SIGNATURE_TEXT + 1);
      signature = buf.subarray(0, (await fh.read(buf, 0, buf.length, 0)).bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    signature = null;
  }
  try {
    verifySshSignature(signature, await digestFile(file.path), keys);
  } catch (err) {
    if (!(err instanceof SignatureError)) throw err;
    const why = signature === null ? `there is no ${file.name}.sig beside it in ${host.appliance.state.stagingDir}` : err.message;
    throw new ApplianceError('E_IMAGE', `${file.name} is not activated: its release signature does not verify (${why}).`);
  }
}

async function execute(host: OcactlHost, argv: readonly string[]): Promise<{ command: OcactlCommand; result: unknown }> {
  const a = host.appliance;
  const [first, second, ...rest] = argv;
  switch (first) {
    case 'status':
      if (second !== undefined) usage('status takes no arguments');
      return { command: 'status', result: a.status() };
    case 'firmware': {
      if (second === 'stage-check' || second === 'activate') {
        if (rest.length !== 1) usage(`firmware ${second} takes one image name`);
        const file = stagedFile(host, rest[0]);
        const inspection = await inspectFirmwareImage(file.path);
        if (second === 'activate') {
          await checkSignature(host, file);
          return { command: 'firmware activate', result: a.activate(file.name, inspection) };
        }
        return { command: 'firmware stage-check', result: { file: file.name, ...inspection } };
      }
      if (second === 'commit' && rest.length === 0) return { command: 'firmware commit', result: a.commit() };
      if (second === 'rollback' && rest.length === 0) return { command: 'firmware rollback', result: a.rollback() };
      return usage(`unknown firmware command "${argv.slice(1).join(' ')}"`);
    }
    case 'reboot':
      if (second !== undefined) usage('reboot takes no arguments');
      return { command: 'reboot', result: a.reboot() };
    case 'drain':
    case 'undrain':
      if (second !== undefined) usage(`${first} takes no arguments`);
      return { command: first, result: first === 'drain' ? a.drain() : a.undrain() };
    case 'config':
      if (second === 'get' && rest.length === 0) return { command: 'config get', result: a.configGet() };
      if (second === 'set') return { command: 'config set', result: a.configSet(rest) };
      return usage('config get | config set key=value...');
    case 'bgp':
      if (second === 'status' && rest.length === 0) return { command: 'bgp status', result: a.bgpStatus() };
      return usage('bgp status');
    case 'diag':
      if (!second || rest.length > 0 || !(DIAG_CHECKS as readonly string[]).includes(second)) {
        return usage(`diag needs one check: ${DIAG_CHECKS.join(', ')}`);
      }
      return { command: 'diag', result: await runDiagnostic(a, second as DiagCheck) };
    case 'cache': {
      if (second !== 'list') usage('cache list [--offset N] [--limit N]');
      const opts = options(rest, ['offset', 'limit']);
      return {
        command: 'cache list',
        result: a.cacheList(intOption(opts, 'offset', 0, Number.MAX_SAFE_INTEGER), Math.max(1, intOption(opts, 'limit', 100, MAX_CACHE_PAGE))),
      };
    }
    case 'logs': {
      const opts = options(argv.slice(1), ['since', 'limit']);
      const sinceRaw = opts.get('since');
      const since = sinceRaw === undefined ? undefined : Date.parse(sinceRaw);
      if (since !== undefined && Number.isNaN(since)) usage(`--since must be an ISO time such as 2026-01-01T00:00:00Z, not "${sinceRaw}"`);
      return { command: 'logs', result: { entries: a.logs({ since, limit: Math.max(1, intOption(opts, 'limit', 100, 1000)) }) } };
    }
    case 'access':
      return accessCommand(a.state, argv.slice(1));
    default:
      return usage(first === undefined ? 'no command given' : `unknown command "${first}"`);
  }
}

/** Run one ocactl invocation. Never throws: failures become error envelopes with an exit status. */
export async function runOcactl(host: OcactlHost, argv: readonly string[]): Promise<OcactlOutput> {
  const faults = host.appliance.faults;
  let json: string;
  let exitCode = 0;
  try {
    const { command, result } = await execute(host, argv);
    json = JSON.stringify({ api: APPLIANCE_API_VERSION, ok: true, command, result });
  } catch (err) {
    const error =
      err instanceof ApplianceError
        ? err
        : new ApplianceError('E_INTERNAL', `ocactl failed: ${err instanceof Error ? err.message : String(err)}`);
    exitCode = EXIT_CODE_OF[error.code];
    const command = argv.slice(0, argv[0] === 'firmware' || argv[0] === 'config' || argv[0] === 'bgp' || argv[0] === 'cache' || argv[0] === 'access' ? 2 : 1).join(' ');
    json = JSON.stringify({ api: APPLIANCE_API_VERSION, ok: false, command, error: error.toBody() });
  }
  return { stdout: bendReply(json, faults) + '\n', stderr: '', exitCode };
}

/**
 * Split a command line the way a POSIX shell would for plain words: whitespace separates words;
 * single quotes, double quotes and backslashes quote. Returns null for an unterminated quote.
 */
export function splitCommandLine(line: string): string[] | null {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return null;
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) j++;
        word += line[j];
      }
      if (j >= line.length) return null;
      inWord = true;
      i = j;
    } else if (ch === '\\') {
      if (i + 1 < line.length) word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
