/** A detail page before its record has arrived: its breadcrumbs, then "Loading…" or why it cannot be shown. */

interface DetailPlaceholderProps {
  /** The list page the crumbs lead back to. */
  parent: { label: string; href: string };
  /** The record's name in the crumbs (a serial, a site code, a job id). */
  name: string | number;
  /** Why loading failed; a missing record (E_NOT_FOUND) is told with `notFound`, anything else with its own message. */
  error: { code: string; message: string } | null | undefined;
  notFound: string;
  testId?: string;
}

export function DetailPlaceholder({ parent, name, error, notFound, testId }: DetailPlaceholderProps) {
  return (
    <div className="page">
      <div className="crumbs">
        <a href={parent.href}>{parent.label}</a> / {name}
      </div>
      <p className={error ? 'center-note error-text' : 'center-note'} role={error ? 'alert' : undefined} data-testid={testId}>
        {error ? (error.code === 'E_NOT_FOUND' ? notFound : error.message) : 'Loading…'}
      </p>
    </div>
  );
}
