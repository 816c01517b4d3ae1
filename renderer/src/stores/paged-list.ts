/**
 * A long list fetched a page at a time as it scrolls (the appliance table, the Health screen's
 * list): the pages in view are asked for once each, a reply for an older generation or query
 * (the filter changed, or a refresh started over) is dropped when it lands, and a refresh fetches
 * the pages in view again while their old rows keep showing.
 */
import { asApiError } from './engine';

/** The part of a list state this module keeps; stores add their own fields around it. */
export interface PagedListState<P> {
  /** The query the list answers; null for none yet (nothing is fetched). */
  key: string | null;
  /** Rows matching; null until the first page arrives. */
  total: number | null;
  /** Page index → what a page holds. May hold pages from before the last refresh until the refetch lands. */
  pages: Record<number, P>;
  /** Pages fetched since the last query change or refresh. */
  fresh: Record<number, true>;
  generation: number;
  error: string | null;
}

export interface PagedListSource<L extends PagedListState<P>, P, R extends { total: number }> {
  pageSize: number;
  /** The store's list as it is now, and a way to replace it. */
  read(): L;
  write(list: L): void;
  /** Ask the engine for one page of this list (rows offset..offset+limit-1). */
  fetch(list: L, offset: number, limit: number): Promise<R>;
  /** What the store keeps of a reply for its page. */
  toPage(reply: R): P;
}

export interface PagedList {
  /** The view shows rows start..end (inclusive): fetch the pages they live on that are not fresh. */
  showRows(start: number, end: number): void;
  /** A new query: the view is back at the top; fetch its first page (the store has reset the list). */
  restart(): void;
  /** The view is back at the top (no fetch). */
  resetView(): void;
  /** New data upstream: fetch the pages in view again (rows keep showing until their page lands). */
  refresh(): void;
}

export function pagedList<L extends PagedListState<P>, P, R extends { total: number }>(source: PagedListSource<L, P, R>): PagedList {
  const { pageSize } = source;
  /** In-flight page requests, `generation:page`; outside the state so they cause no renders. */
  const inflight = new Set<string>();
  let visible = { start: 0, end: 0 };

  function fetchPage(page: number): void {
    const asked = source.read();
    const { generation, key } = asked;
    const id = `${generation}:${page}`;
    if (inflight.has(id)) return;
    inflight.add(id);
    source
      .fetch(asked, page * pageSize, pageSize)
      .then((reply) => {
        const list = source.read();
        if (list.generation !== generation || list.key !== key) return;
        source.write({
          ...list,
          total: reply.total,
          pages: { ...list.pages, [page]: source.toPage(reply) },
          fresh: { ...list.fresh, [page]: true },
          error: null,
        });
      })
      .catch((err: unknown) => {
        const list = source.read();
        if (list.generation !== generation) return;
        source.write({ ...list, error: asApiError(err).message, total: list.total ?? 0 });
      })
      .finally(() => inflight.delete(id));
  }

  function neededPages(): number[] {
    const { total } = source.read();
    const last = total === null ? 0 : Math.max(0, Math.min(visible.end, total - 1));
    const first = Math.min(visible.start, last);
    const pages: number[] = [];
    for (let p = Math.floor(first / pageSize); p <= Math.floor(last / pageSize); p++) pages.push(p);
    return pages;
  }

  return {
    showRows(start, end) {
      visible = { start, end };
      const { fresh, key } = source.read();
      if (key === null) return;
      for (const p of neededPages()) if (!fresh[p]) fetchPage(p);
    },
    restart() {
      visible = { start: 0, end: 0 };
      fetchPage(0);
    },
    resetView() {
      visible = { start: 0, end: 0 };
    },
    refresh() {
      const list = source.read();
      if (list.key === null) return;
      const keep = new Set(neededPages());
      const pages: Record<number, P> = {};
      for (const p of keep) if (list.pages[p]) pages[p] = list.pages[p];
      source.write({ ...list, generation: list.generation + 1, pages, fresh: {} });
      for (const p of keep) fetchPage(p);
    },
  };
}
