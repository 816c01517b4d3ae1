/**
 * The `ocactl` actions the Run-command dialog offers, and how each becomes argv. Actions that
 * change an appliance (drain, undrain) say so; the dialog warns before they run. Pure.
 */
import { DIAG_CHECKS, type DiagCheck } from '../../../../main/appliance/contract';

export type PresetId = 'status' | 'bgp-status' | 'diag' | 'drain' | 'undrain' | 'logs' | 'cache-list' | 'stage-check';

export interface PresetParams {
  check: DiagCheck;
  /** logs: entries; cache list: items. Text as typed. */
  limit: string;
  /** logs --since, ISO time; empty for none. */
  since: string;
  /** firmware stage-check: the image name in the staging directory. */
  image: string;
}

export interface Preset {
  id: PresetId;
  label: string;
  /** What it does, in a sentence. */
  effect: string;
  /** It changes the appliance (serving, routes), not only reads it. */
  changes: boolean;
  /** Which params the form shows. */
  params: ReadonlyArray<keyof PresetParams>;
}

export const PRESETS: readonly Preset[] = [
  { id: 'status', label: 'ocactl status', effect: 'Reads firmware, health, serving and fill state.', changes: false, params: [] },
  { id: 'bgp-status', label: 'ocactl bgp status', effect: 'Reads the BGP session to the ISP router and its prefixes.', changes: false, params: [] },
  { id: 'diag', label: 'ocactl diag <check>', effect: 'Runs one diagnostic check and reports its status.', changes: false, params: ['check'] },
  { id: 'logs', label: 'ocactl logs', effect: 'Reads recent log entries.', changes: false, params: ['limit', 'since'] },
  { id: 'cache-list', label: 'ocactl cache list', effect: 'Lists cached content (first page).', changes: false, params: ['limit'] },
  {
    id: 'stage-check',
    label: 'ocactl firmware stage-check <image>',
    effect: 'Checks a staged firmware image (signature, size, version) without activating it.',
    changes: false,
    params: ['image'],
  },
  {
    id: 'drain',
    label: 'ocactl drain',
    effect: 'Stops serving: the appliance withdraws its routes so clients move to other appliances.',
    changes: true,
    params: [],
  },
  { id: 'undrain', label: 'ocactl undrain', effect: 'Serves again: the appliance announces its routes.', changes: true, params: [] },
];

export const DEFAULT_PARAMS: PresetParams = { check: 'disk', limit: '', since: '', image: '' };

export const DIAG_CHOICES: readonly DiagCheck[] = DIAG_CHECKS;

export function presetById(id: PresetId): Preset {
  return PRESETS.find((p) => p.id === id) ?? PRESETS[0]!;
}

export type BuildResult = { ok: true; argv: string[] } | { ok: false; problem: string };

function limitArgs(text: string, max: number): string[] | string {
  const t = text.trim();
  if (!t) return [];
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > max) return `the limit is a whole number from 1 to ${max}`;
  return ['--limit', String(Number(t))];
}

/** argv for a preset and its params, or what is wrong with the params. */
export function buildPreset(id: PresetId, params: PresetParams): BuildResult {
  switch (id) {
    case 'status':
      return { ok: true, argv: ['ocactl', 'status'] };
    case 'bgp-status':
      return { ok: true, argv: ['ocactl', 'bgp', 'status'] };
    case 'diag':
      if (!DIAG_CHECKS.includes(params.check)) return { ok: false, problem: `choose a check: ${DIAG_CHECKS.join(', ')}` };
      return { ok: true, argv: ['ocactl', 'diag', params.check] };
    case 'drain':
      return { ok: true, argv: ['ocactl', 'drain'] };
    case 'undrain':
      return { ok: true, argv: ['ocactl', 'undrain'] };
    case 'logs': {
      const limit = limitArgs(params.limit, 10_000);
      if (typeof limit === 'string') return { ok: false, problem: limit };
      const since = params.since.trim();
      if (since && Number.isNaN(Date.parse(since))) return { ok: false, problem: 'since is a time such as 2026-03-01T00:00:00Z' };
      return { ok: true, argv: ['ocactl', 'logs', ...(since ? ['--since', since] : []), ...limit] };
    }
    case 'cache-list': {
      const limit = limitArgs(params.limit, 1000);
      if (typeof limit === 'string') return { ok: false, problem: limit };
      return { ok: true, argv: ['ocactl', 'cache', 'list', ...limit] };
    }
    case 'stage-check': {
      const image = params.image.trim();
      if (!image) return { ok: false, problem: 'name the image in the staging directory' };
      if (/[\s/]/.test(image) || image.startsWith('-')) return { ok: false, problem: 'an image name has no blanks or slashes and does not start with -' };
      return { ok: true, argv: ['ocactl', 'firmware', 'stage-check', image] };
    }
  }
}

/** The preset that builds exactly this argv with the default params (drain, undrain, status...), if any. */
export function presetForArgv(argv: readonly string[]): PresetId | null {
  const wanted = argv.join('\0');
  for (const p of PRESETS) {
    const built = buildPreset(p.id, DEFAULT_PARAMS);
    if (built.ok && built.argv.join('\0') === wanted) return p.id;
  }
  return null;
}

/** What the status change means for the device: drain it when it becomes drained, undrain when drained becomes online. */
export function deviceActionFor(current: string, next: string): 'drain' | 'undrain' | null {
  if (next === 'drained' && current !== 'drained') return 'drain';
  if (next === 'online' && current === 'drained') return 'undrain';
  return null;
}
