/** One label/value pair of a detail page; the value carries `data-testid="field-<name>"`. */
import type { ReactNode } from 'react';

export function FieldRow({ name, label, mono, children }: { name: string; label: string; mono?: boolean; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : undefined} data-testid={`field-${name}`}>
        {children}
      </dd>
    </>
  );
}
