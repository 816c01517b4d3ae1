/**
 * Fan-out jobs as this window sees them: the jobs list, the open job (its progress, summary and
 * per-appliance results, fetched a page at a time as the table scrolls), and the calls that start,
 * cancel and retry jobs. `jobs.progress`, `jobs.result` and `jobs.finished` keep what is on screen live.
 */
import { create } from 'zustand';
import type { ApiError } from '../../api';
import type { ExecRequest, ExecSelection, Job, JobPreview, JobProgress, JobResult, JobSummary } from '../../../../main/net/contract';
import { asApiError, callEngine, useEngine } from '../../stores/engine';
import { pagedList, type PagedListState } from '../../stores/paged-list';

/** Result rows per jobs.results call while scrolling. */
export const RESULT_PAGE = 500;
const LIST_LIMIT = 100;
/** While a job runs, the rows in view are refetched at most this often (running/pending states). */
const ROW_REFRESH_MS = 1_000;
/** Result events are applied in batches: a fast job sends hundreds a second. */
const RESULT_FLUSH_MS = 150;

/** One page of a job's results, with where each serial sits in it (results arrive by serial). */
export interface ResultsPage {
  rows: JobResult[];
  at: Record<string, number>;
}

/** The open job's results as the shared paged list keeps them; `key` is the job's id. */
export type ResultsState = PagedListState<ResultsPage>;

export interface JobView {
  id: number;
  job: Job | null;
  summary: JobSummary | null;
  error: ApiError | null;
  results: ResultsState;
}

interface JobsState {
  list: Job[] | null;
  listError: string | null;
  view: JobView | null;

  loadList(): Promise<void>;
  /** Show a job: its row, summary and first rows. */
  openJob(id: number): Promise<void>;
  /** The results table shows rows start..end (inclusive); fetch the pages they live on. */
  ensureResults(start: number, end: number): void;
  /** While a job runs: refetch the rows in view unless they were just fetched (rows turning running). */
  pollRows(): void;
  preview(selection: ExecSelection): Promise<JobPreview>;
  exec(request: ExecRequest): Promise<Job>;
  cancel(id: number): Promise<Job>;
  retry(id: number, acceptNew: boolean): Promise<Job>;
  /** A `jobs.progress` or `jobs.finished` event. */
  applyProgress(progress: JobProgress, finished: boolean): void;
  /** `jobs.result` events, in arrival order. */
  applyResults(results: Array<{ id: number; result: JobResult }>): void;
}

// ---------------------------------------------------------------------------------------------
// Pure steps (tested in Node)

const TERMINAL = new Set(['done', 'cancelled', 'interrupted']);

/** A job with newer progress. A late `running` update never takes an ended job back. */
export function withProgress(job: Job, progress: JobProgress): Job {
  if (progress.id !== job.id) return job;
  if (TERMINAL.has(job.state) && progress.state === 'running') return job;
  return { ...job, state: progress.state, progress };
}

export function emptyResults(id: number | null = null, generation = 0): ResultsState {
  return { key: id === null ? null : String(id), total: null, pages: {}, fresh: {}, generation, error: null };
}

export function resultAt(results: ResultsState, index: number): JobResult | undefined {
  return results.pages[Math.floor(index / RESULT_PAGE)]?.rows[index % RESULT_PAGE];
}

export function toResultsPage(rows: JobResult[]): ResultsPage {
  const at: Record<string, number> = {};
  rows.forEach((r, i) => (at[r.serial] = i));
  return { rows, at };
}

/** Results with arrived rows replaced where they are loaded; rows not loaded come with their page. */
export function withResults(results: ResultsState, arrived: readonly JobResult[]): ResultsState {
  let pages: Record<number, ResultsPage> | null = null;
  for (const [n, page] of Object.entries(results.pages)) {
    let rows: JobResult[] | null = null;
    for (const r of arrived) {
      const i = page.at[r.serial];
      if (i === undefined) continue;
      rows ??= [...page.rows];
      rows[i] = r;
    }
    if (rows) (pages ??= { ...results.pages })[Number(n)] = { rows, at: page.at };
  }
  return pages ? { ...results, pages } : results;
}

// ---------------------------------------------------------------------------------------------

let lastRowRefresh = 0;
let listReload: ReturnType<typeof setTimeout> | null = null;

export const useJobs = create<JobsState>()((set, get) => {
  const resultPages = pagedList<ResultsState, ResultsPage, { total: number; items: JobResult[] }>({
    pageSize: RESULT_PAGE,
    read: () => get().view?.results ?? emptyResults(),
    write: (results) => {
      const view = get().view;
      if (view && results.key === String(view.id)) set({ view: { ...view, results } });
    },
    fetch: (results, offset, limit) => callEngine((c) => c.api.jobs.results({ id: Number(results.key), offset, limit })),
    toPage: (reply) => toResultsPage(reply.items),
  });

  /** Refetch the rows in view (others are refetched when they scroll in). */
  function refreshRows(): void {
    lastRowRefresh = Date.now();
    resultPages.refresh();
  }

  async function reloadView(id: number): Promise<void> {
    try {
      const { job, summary } = await callEngine((c) => c.api.jobs.get({ id }));
      const view = get().view;
      if (view?.id === id) set({ view: { ...view, job, summary, error: null } });
      replaceInList(job);
    } catch (err) {
      const view = get().view;
      if (view?.id === id) set({ view: { ...view, error: asApiError(err) } });
    }
  }

  function replaceInList(job: Job): void {
    const list = get().list;
    if (!list) return;
    const at = list.findIndex((j) => j.id === job.id);
    if (at < 0) return;
    const next = [...list];
    next[at] = job;
    set({ list: next });
  }

  function scheduleListReload(): void {
    if (listReload) return;
    listReload = setTimeout(() => {
      listReload = null;
      void get().loadList();
    }, 300);
  }

  return {
    list: null,
    listError: null,
    view: null,

    async loadList() {
      try {
        const list = await callEngine((c) => c.api.jobs.list({ limit: LIST_LIMIT }));
        set({ list, listError: null });
      } catch (err) {
        set({ listError: asApiError(err).message });
      }
    },

    async openJob(id) {
      if (get().view?.id !== id) {
        set({ view: { id, job: null, summary: null, error: null, results: emptyResults(id, (get().view?.results.generation ?? 0) + 1) } });
        resultPages.restart();
      } else resultPages.refresh();
      await reloadView(id);
    },

    ensureResults(start, end) {
      resultPages.showRows(start, end);
    },

    pollRows() {
      if (get().view?.job?.state === 'running' && Date.now() - lastRowRefresh > ROW_REFRESH_MS) refreshRows();
    },

    preview(selection) {
      return callEngine((c) => c.api.jobs.preview({ selection }));
    },

    async exec(request) {
      const job = await callEngine((c) => c.api.jobs.exec(request));
      const list = get().list;
      if (list && !list.some((j) => j.id === job.id)) set({ list: [job, ...list] });
      return job;
    },

    async cancel(id) {
      const job = await callEngine((c) => c.api.jobs.cancel({ id }));
      const view = get().view;
      if (view?.id === id && view.job) set({ view: { ...view, job: withProgress(view.job, job.progress) } });
      return job;
    },

    async retry(id, acceptNew) {
      const job = await callEngine((c) => c.api.jobs.retry({ id, acceptNew }));
      const list = get().list;
      if (list && !list.some((j) => j.id === job.id)) set({ list: [job, ...list] });
      return job;
    },

    applyProgress(progress, finished) {
      const list = get().list;
      if (list) {
        const at = list.findIndex((j) => j.id === progress.id);
        if (at < 0) scheduleListReload();
        else {
          const next = [...list];
          next[at] = withProgress(list[at]!, progress);
          set({ list: next });
          if (finished) scheduleListReload();
        }
      }
      const view = get().view;
      if (view?.id !== progress.id) return;
      // The summary held so far was taken while the job ran: drop it until the final one arrives.
      if (view.job) set({ view: { ...view, job: withProgress(view.job, progress), ...(finished ? { summary: null } : {}) } });
      if (finished) {
        void reloadView(progress.id);
        refreshRows();
      } else if (Date.now() - lastRowRefresh > ROW_REFRESH_MS) refreshRows();
    },

    applyResults(arrived) {
      const view = get().view;
      if (!view) return;
      const mine = arrived.filter((a) => a.id === view.id).map((a) => a.result);
      if (mine.length === 0) return;
      const results = withResults(view.results, mine);
      if (results !== view.results) set({ view: { ...view, results } });
    },
  };
});

/** Follow the engine's job events; returns the unsubscribe. */
export function followJobEvents(): () => void {
  const client = useEngine.getState().client;
  if (!client) return () => undefined;
  let buffered: Array<{ id: number; result: JobResult }> = [];
  let flush: ReturnType<typeof setTimeout> | null = null;
  const offs = [
    client.on('jobs.progress', (p) => useJobs.getState().applyProgress(p, false)),
    client.on('jobs.finished', (p) => useJobs.getState().applyProgress(p, true)),
    client.on('jobs.result', (r) => {
      buffered.push(r);
      flush ??= setTimeout(() => {
        flush = null;
        const batch = buffered;
        buffered = [];
        useJobs.getState().applyResults(batch);
      }, RESULT_FLUSH_MS);
    }),
  ];
  return () => {
    for (const off of offs) off();
    if (flush) clearTimeout(flush);
  };
}
