/** The free-text filter: the input answers every keystroke, the query follows ~150 ms after typing stops. */
import { useEffect, useRef, useState, type Ref } from 'react';

interface TextFilterProps {
  value: string;
  onCommit: (text: string) => void;
  placeholder: string;
  testId: string;
  delayMs?: number;
  ref?: Ref<HTMLInputElement>;
  /** A key that focuses the field from anywhere on the page (announced to assistive tech). */
  shortcut?: string;
}

export function TextFilter({ value, onCommit, placeholder, testId, delayMs = 150, ref, shortcut }: TextFilterProps) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  // The query changed from outside (back/forward, a link): show it.
  if (value !== seen) {
    setSeen(value);
    setText(value);
  }
  const commit = useRef(onCommit);
  useEffect(() => {
    commit.current = onCommit;
  });
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => commit.current(text), delayMs);
    return () => clearTimeout(timer);
  }, [text, value, delayMs]);

  return (
    <input
      ref={ref}
      type="search"
      className="input text-filter"
      placeholder={placeholder}
      aria-label={placeholder}
      data-testid={testId}
      aria-keyshortcuts={shortcut}
      title={shortcut ? `${placeholder} (press ${shortcut})` : undefined}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit.current(text);
      }}
    />
  );
}
