/**
 * The virtualized grids' rows (appliance table, Health list, job results): TanStack Virtual over a
 * scrolling element whose sticky header is HEAD_HEIGHT tall, rows ROW_HEIGHT tall, and only the rows
 * in view (plus some overscan) in the DOM.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import { useVirtualizer, type VirtualItem } from '@tanstack/react-virtual';

export const ROW_HEIGHT = 28;
export const HEAD_HEIGHT = 31;
/** Rows rendered beyond the view on either side, once the grid's first rows are on screen. */
export const OVERSCAN = 12;

/**
 * The virtualizer for `count` rows in `scrollRef`, its rows in view, and the first and last index of them.
 * The first rows on screen are only those in view; the overscan rows join in the next frame, off the
 * first paint's path (docs/first-render.md).
 */
export function useVirtualRows(count: number, scrollRef: RefObject<HTMLDivElement | null>) {
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    if (painted || count === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => (timer = setTimeout(() => setPainted(true), 0)));
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [painted, count]);
  // TanStack Virtual keeps its own mutable state; the React Compiler must leave its callers alone.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: painted ? OVERSCAN : 0,
    scrollMargin: HEAD_HEIGHT,
    // Rows scrolled to (keyboard moves) stay clear of the sticky header.
    scrollPaddingStart: HEAD_HEIGHT,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;
  return { virtualizer, items, first, last };
}

/** Where a row sits inside the grid body. */
export function rowStyle(item: VirtualItem): { transform: string } {
  return { transform: `translateY(${item.start - HEAD_HEIGHT}px)` };
}

/** A new query (filter, sort) starts the grid at the top. */
export function useTopOnNewQuery(scrollRef: RefObject<HTMLDivElement | null>, key: string | null): void {
  const shownKey = useRef(key);
  useEffect(() => {
    if (shownKey.current === key) return;
    shownKey.current = key;
    scrollRef.current?.scrollTo({ top: 0 });
  }, [key, scrollRef]);
}
