/**
 * The plan editor's form as text fields (what a person types: `1`, `5%`, `10%,50%,100%`, `12/h`,
 * `site=GRU1|GRU2,model=flash`) and its translation into the engine's PlanInput, with a sentence per
 * field that does not parse. Pure, so it is tested in Node; the engine validates again.
 */
import { APPLIANCE_MODELS, LIFECYCLE_STATUSES, type ApplianceModel, type LifecycleStatus } from '../../../../main/inventory/contract';
import {
  parseCountOrPercent,
  type CanaryPlan,
  type CountOrPercent,
  type CreateInput,
  type PlanInput,
  type WavePlan,
  type WindowKind,
} from '../../../../main/rollouts/contract';

export type TargetMode = 'all' | 'filter' | 'serials';

export interface PlanDraft {
  image: string;
  targetMode: TargetMode;
  /** `site=GRU1|GRU2,status=online` (as the CLI's --where). */
  filter: string;
  /** Serials separated by commas, blanks or lines. */
  serials: string;
  /** `1`, `5%`, or serials (`serial:A,B`). */
  canary: string;
  /** `10%,50%,100%`, `5,20`, or `12/h`. */
  waves: string;
  maxUnavailablePerSite: string;
  window: WindowKind;
  failureBudget: string;
  /** Seconds the canaries and the baseline are sampled before the judgement. */
  observeSeconds: string;
  note: string;
}

export const EMPTY_DRAFT: PlanDraft = {
  image: '',
  targetMode: 'all',
  filter: '',
  serials: '',
  canary: '1',
  waves: '10%,50%,100%',
  maxUnavailablePerSite: '25%',
  window: 'maintenance',
  failureBudget: '0',
  observeSeconds: '300',
  note: '',
};

export type DraftField = 'image' | 'filter' | 'serials' | 'canary' | 'waves' | 'maxUnavailablePerSite' | 'failureBudget' | 'observeSeconds';
export type DraftProblems = Partial<Record<DraftField, string>>;

const FILTER_KEYS = ['site', 'status', 'partner', 'model', 'tag', 'firmware', 'text'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
export interface TargetQuery {
  text?: string;
  site?: string[];
  partner?: string[];
  tag?: string[];
  firmware?: string[];
  status?: LifecycleStatus[];
  model?: ApplianceModel[];
}

const isStatus = (v: string): v is LifecycleStatus => (LIFECYCLE_STATUSES as readonly string[]).includes(v);
const isModel = (v: string): v is ApplianceModel => (APPLIANCE_MODELS as readonly string[]).includes(v);

/** `site=GRU1|GRU2,status=online` → an inventory query, or a sentence saying what is wrong. */
export function parseFilterText(text: string): { query: TargetQuery } | { problem: string } {
  const out: TargetQuery = {};
  const terms = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (terms.length === 0) return { problem: 'Give a filter (site=GRU1|GRU2,model=flash) or choose all appliances.' };
  for (const term of terms) {
    const eq = term.indexOf('=');
    if (eq <= 0) return { problem: `"${term}" is not key=value (keys: ${FILTER_KEYS.join(', ')}).` };
    const key = term.slice(0, eq).trim().toLowerCase();
    if (!(FILTER_KEYS as readonly string[]).includes(key)) return { problem: `Unknown filter key "${key}" (keys: ${FILTER_KEYS.join(', ')}).` };
    const values = term
      .slice(eq + 1)
      .split('|')
      .map((v) => v.trim())
      .filter(Boolean);
    if (values.length === 0) return { problem: `The filter ${key}= has no value.` };
    const k = key as FilterKey;
    if (k === 'text') {
      if (out.text !== undefined || values.length > 1) return { problem: 'text= takes one value.' };
      out.text = values[0]!;
      continue;
    }
    if (k === 'status') {
      const bad = values.find((v) => !isStatus(v));
      if (bad !== undefined) return { problem: `status "${bad}" is not one of ${LIFECYCLE_STATUSES.join(', ')}.` };
      out.status = [...(out.status ?? []), ...values.filter(isStatus)];
    } else if (k === 'model') {
      const bad = values.find((v) => !isModel(v));
      if (bad !== undefined) return { problem: `model "${bad}" is not one of ${APPLIANCE_MODELS.join(', ')}.` };
      out.model = [...(out.model ?? []), ...values.filter(isModel)];
    } else {
      out[k] = [...(out[k] ?? []), ...values];
    }
  }
  return { query: out };
}

const splitList = (text: string): string[] =>
  text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** `1` / `5%` / `serial:A,B` (or just serials) → a canary plan. */
export function parseCanary(text: string): CanaryPlan | null {
  const t = text.trim();
  const named = /^serials?\s*[:=]\s*(.+)$/i.exec(t);
  if (named) {
    const serials = [...new Set(splitList(named[1]!))];
    return serials.length ? { kind: 'serials', serials } : null;
  }
  const v = parseCountOrPercent(t);
  if (!v) return null;
  if (v.kind === 'percent' && v.value > 50) return null;
  return v;
}

/** `10%,50%,100%` (cumulative shares), `5,20` (sizes) or `12/h` (a steady rate) → a wave plan. */
export function parseWaves(text: string): WavePlan | null {
  const t = text.trim().replace(/\s+/g, '');
  const rate = /^(\d+(?:\.\d+)?)\/h(?:our)?$/i.exec(t);
  if (rate) {
    const perHour = Number(rate[1]);
    return perHour > 0 ? { kind: 'rate', perHour } : null;
  }
  const parts = t.split(',').filter(Boolean);
  if (parts.length === 0 || parts.length > 50) return null;
  if (parts.every((p) => /^\d+(?:\.\d+)?%$/.test(p))) {
    const steps = parts.map((p) => Number(p.slice(0, -1)));
    if (steps.some((v) => v <= 0 || v > 100)) return null;
    if (steps.some((v, i) => i > 0 && v <= steps[i - 1]!)) return null;
    return { kind: 'percent', steps };
  }
  if (parts.every((p) => /^\d{1,7}$/.test(p))) {
    const sizes = parts.map(Number);
    return sizes.every((n) => n >= 1) ? { kind: 'count', sizes } : null;
  }
  return null;
}

const LIMIT_PROBLEM = 'Give a count (2) or a percentage of the site (10%).';

/** The draft as the engine's plan, or the problems per field (nothing is sent while there are any). */
export function draftToPlan(d: PlanDraft): { plan: PlanInput; problems: null } | { plan: null; problems: DraftProblems } {
  const problems: DraftProblems = {};
  if (!d.image) problems.image = 'Choose an image from the store.';
  let selection: PlanInput['selection'] = { all: true };
  if (d.targetMode === 'filter') {
    const f = parseFilterText(d.filter);
    if ('problem' in f) problems.filter = f.problem;
    else selection = { query: f.query };
  } else if (d.targetMode === 'serials') {
    const serials = [...new Set(splitList(d.serials))];
    if (serials.length === 0) problems.serials = 'Give at least one serial.';
    else selection = { serials };
  }
  const canary = parseCanary(d.canary);
  if (!canary) problems.canary = 'Give a count (1), a percentage up to 50 % (5%) or serials (serials: A, B).';
  const waves = parseWaves(d.waves);
  if (!waves) problems.waves = 'Give rising cumulative percentages (10%,50%,100%), wave sizes (5,20) or a rate (12/h).';
  const limit = parseCountOrPercent(d.maxUnavailablePerSite);
  if (!limit || (limit.kind === 'count' && limit.value < 1)) problems.maxUnavailablePerSite = `${LIMIT_PROBLEM} At least one appliance must be allowed out.`;
  const budget: CountOrPercent | null = parseCountOrPercent(d.failureBudget);
  if (!budget) problems.failureBudget = 'Give how many appliances may fail in the whole rollout (0, 3) or a percentage of its targets (2%).';
  const observe = /^\d{1,5}$/.test(d.observeSeconds.trim()) ? Number(d.observeSeconds.trim()) : NaN;
  if (!(observe >= 1 && observe <= 86_400)) problems.observeSeconds = 'Give the seconds to watch the canary before judging it (1 to 86400).';
  if (Object.keys(problems).length > 0 || !canary || !waves || !limit || !budget) return { plan: null, problems };
  return {
    plan: {
      image: d.image,
      selection,
      canary,
      waves,
      maxUnavailablePerSite: limit,
      window: d.window,
      failureBudget: budget,
      // About twenty samples over the period, at most one every 15 s.
      judgement: { observeSeconds: observe, sampleEverySeconds: Math.min(15, Math.max(0.05, observe / 20)) },
    },
    problems: null,
  };
}

/** The create request: the plan, the note, and the typed count when the window is `now`. */
export function createRequest(plan: PlanInput, note: string, confirmCount: number | null): CreateInput {
  return {
    ...plan,
    ...(note.trim() ? { note: note.trim() } : {}),
    ...(confirmCount !== null ? { confirmCount } : {}),
  };
}
