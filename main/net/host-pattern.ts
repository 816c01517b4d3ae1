/**
 * OpenSSH host patterns (`*` any run of characters, `?` exactly one), as known_hosts and
 * ssh_config use them, matched without regular expressions: one pass with a single resume point
 * for the last `*` (the classic wildcard algorithm), so the work is at most pattern length times
 * name length. A regular expression built from `***…*a` backtracks exponentially; this cannot.
 * Names are compared case-insensitively, as OpenSSH lowercases host names before matching.
 */

/** The longest pattern and name looked at; longer ones never match (no host name is this long). */
export const MAX_PATTERN_LENGTH = 1024;

export function hostPatternMatches(pattern: string, name: string): boolean {
  if (pattern.length > MAX_PATTERN_LENGTH || name.length > MAX_PATTERN_LENGTH) return false;
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  let pi = 0;
  let ni = 0;
  let star = -1; // position in p just after the last `*` seen
  let resume = 0; // position in n that `*` has consumed up to
  while (ni < n.length) {
    const c = p[pi];
    if (c === '*') {
      while (p[pi] === '*') pi++; // a run of `*` is one `*`
      star = pi;
      resume = ni;
    } else if (pi < p.length && (c === '?' || c === n[ni])) {
      pi++;
      ni++;
    } else if (star >= 0) {
      // Let the last `*` take one more character and try the rest of the pattern again from there.
      pi = star;
      ni = ++resume;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/** Whether a name is matched by a pattern list (`a,b,!c` or separate words): a matching `!` pattern wins. */
export function patternListMatches(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    if (hostPatternMatches(negated ? raw.slice(1) : raw, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** Whether a pattern has wildcards (else it names one host). */
export function isWildcard(pattern: string): boolean {
  return /[*?]/.test(pattern);
}
