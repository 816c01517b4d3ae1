/** A row of toggle buttons that filter a list by several values at once (any pressed value matches). */
import type { ReactNode } from 'react';

interface ToggleFilterProps<T extends string> {
  /** What the buttons filter by, for assistive tech. */
  label: string;
  testId: string;
  options: readonly T[];
  selected: readonly T[];
  onToggle: (value: T) => void;
  /** Extra class of one button (a status colour); none by default. */
  optionClass?: (value: T) => string;
  /** What one button says; the value itself by default. */
  optionLabel?: (value: T) => ReactNode;
}

export function ToggleFilter<T extends string>({ label, testId, options, selected, onToggle, optionClass, optionLabel }: ToggleFilterProps<T>) {
  return (
    <div className="toggle-group" role="group" aria-label={label} data-testid={testId}>
      {options.map((value) => (
        <button
          key={value}
          type="button"
          className={optionClass ? `toggle ${optionClass(value)}` : 'toggle'}
          aria-pressed={selected.includes(value)}
          data-value={value}
          onClick={() => onToggle(value)}
        >
          {optionLabel ? optionLabel(value) : value}
        </button>
      ))}
    </div>
  );
}
