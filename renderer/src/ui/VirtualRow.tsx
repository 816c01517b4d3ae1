/**
 * One row of a virtualized grid (appliance table, Health list, job results; useVirtualRows): placed
 * at its offset in the grid body, and shown as a placeholder while its page of data is on the way.
 * The callers keep their own cells and their test ids, ARIA attributes and handlers.
 */
import type { HTMLAttributes, ReactNode } from 'react';
import type { VirtualItem } from '@tanstack/react-virtual';
import { rowStyle } from './virtual-rows';

interface VirtualRowProps extends Omit<HTMLAttributes<HTMLDivElement>, 'style' | 'role' | 'className' | 'children'> {
  item: VirtualItem;
  /** The row's data has not arrived yet: one cell with an ellipsis. */
  pending?: boolean;
  /** `gridcell` in an interactive grid, `cell` in a plain table (the placeholder's cell). */
  cellRole: 'gridcell' | 'cell';
  /** Classes besides grid-row (and pending). */
  className?: string;
  children?: ReactNode;
  [data: `data-${string}`]: string | number | undefined;
}

export function VirtualRow({ item, pending = false, cellRole, className, children, ...rest }: VirtualRowProps) {
  const classes = `grid-row${pending ? ' pending' : ''}${className ? ` ${className}` : ''}`;
  return (
    <div className={classes} role="row" style={rowStyle(item)} {...rest}>
      {pending ? (
        <div className="cell" role={cellRole}>
          …
        </div>
      ) : (
        children
      )}
    </div>
  );
}

/** Under the rows: what an empty result says, or why the rows could not be read. */
export function GridNotice({ total, error, emptyText }: { total: number | null | undefined; error: string | null | undefined; emptyText: string }) {
  if (error) return <div className="grid-empty error-text">{error}</div>;
  return total === 0 ? <div className="grid-empty">{emptyText}</div> : null;
}
