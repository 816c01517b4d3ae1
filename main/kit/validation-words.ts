/**
 * zod's problems in a user's words: which field, what was wrong, what is allowed. zod's own
 * sentences ("Invalid input: expected string, received undefined", "Too big: expected number to
 * be <=1000") name types and operators; a message a schema wrote itself ("a serial is 1-64
 * letters, ...") is already in user words and is kept. The engine's E_VALIDATION sentence and its
 * per-field details are built from these, and so are the forms' own field messages.
 */
import type { z } from 'zod';

type Issue = z.ZodError['issues'][number];

/** Words the fields' camelCase names hide: `storageTb` is "storage TB", `ipv4` "IPv4". */
const WORDS: Record<string, string> = {
  ipv4: 'IPv4', ipv6: 'IPv6', tb: 'TB', gb: 'GB', gbps: 'Gbps', ssh: 'SSH', api: 'API', id: 'ID', ids: 'IDs',
  url: 'URL', asn: 'ASN', bgp: 'BGP', nic: 'NIC', csv: 'CSV', json: 'JSON', sha256: 'SHA256',
};

function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .split(' ')
    .map((w) => WORDS[w] ?? w)
    .join(' ');
}

/**
 * The field an issue is about, in words: `['patch', 'storageTb']` is "storage TB" (`patch` is the
 * update wrapper, not a field a user sees), `['status', 0]` "status (item 1)"; null for the whole input.
 */
export function fieldInWords(path: readonly PropertyKey[]): string | null {
  const parts: string[] = [];
  for (const [i, seg] of path.entries()) {
    if (seg === 'patch' && i === 0 && path.length > 1) continue;
    if (typeof seg === 'number') parts.push(`(item ${seg + 1})`);
    else parts.push(words(String(seg)));
  }
  return parts.length ? parts.join(' ') : null;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text', number: 'a number', int: 'a whole number', bigint: 'a whole number', boolean: 'true or false',
  object: 'a set of named values (an object)', array: 'a list', date: 'a date', null: 'empty', undefined: 'left out',
  nan: 'a number', record: 'a set of named values (an object)', tuple: 'a list', literal: 'a fixed value',
};

const FORMAT_WORDS: Record<string, string> = {
  ipv4: 'an IPv4 address such as 192.0.2.10', ipv6: 'an IPv6 address such as 2001:db8::10', email: 'an email address',
  url: 'a URL', uuid: 'a UUID', datetime: 'a date and time such as 2026-12-01T10:00:00Z', date: 'a date such as 2026-12-01',
  time: 'a time such as 10:00', cidrv4: 'an IPv4 network such as 192.0.2.0/24', cidrv6: 'an IPv6 network such as 2001:db8::/32',
  base64: 'base64 text', hostname: 'a host name',
};

const ZOD_DEFAULT = /^(Invalid (input|option|string|number|key|value|element|\S+ address|ISO|UUID|URL|email)|Too (big|small)|Unrecognized key)/;

function quoteList(values: readonly unknown[]): string {
  const shown = values.slice(0, 12).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return shown.join(', ') + (values.length > shown.length ? `, … (${values.length} in all)` : '');
}

function bound(issue: { origin?: string; inclusive?: boolean }, limit: number | bigint, side: 'most' | 'least'): string {
  const n = Number(limit);
  const exclusive = issue.inclusive === false;
  switch (issue.origin) {
    case 'string':
      if (side === 'least' && n === 1 && !exclusive) return 'must not be empty';
      return `must be at ${side} ${n} character${n === 1 ? '' : 's'} long`;
    case 'array':
    case 'set':
      if (side === 'least' && n === 1 && !exclusive) return 'must list at least one';
      return `must list at ${side} ${n} item${n === 1 ? '' : 's'}`;
    case 'date':
      return `must be ${side === 'most' ? 'on or before' : 'on or after'} ${new Date(n).toISOString()}`;
    default:
      if (exclusive) return `must be ${side === 'most' ? 'below' : 'above'} ${n}`;
      return `must be at ${side} ${n}`;
  }
}

/** What is wrong, as a phrase that follows the field's name ("must be a number", "is required"). */
export function problemInWords(issue: Issue): string {
  if (issue.code === 'custom' || !ZOD_DEFAULT.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined') return 'is required';
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      if (issue.expected === 'int' && received === 'number') return 'must be a whole number';
      return `must be ${expected}${received && TYPE_WORDS[received.toLowerCase()] ? `, not ${TYPE_WORDS[received.toLowerCase()]}` : ''}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${quoteList(issue.values)}` : `must be one of: ${quoteList(issue.values)}`;
    case 'too_big':
      return bound(issue, issue.maximum, 'most');
    case 'too_small':
      return bound(issue, issue.minimum, 'least');
    case 'invalid_format':
      if (issue.format === 'regex') return 'is not in the expected form';
      if (issue.format === 'starts_with' || issue.format === 'ends_with' || issue.format === 'includes') return 'is not in the expected form';
      return `must be ${FORMAT_WORDS[issue.format] ?? issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${Number(issue.divisor)}`;
    case 'unrecognized_keys':
      return `has ${issue.keys.length === 1 ? 'a field' : 'fields'} Fleetdeck does not know: ${quoteList(issue.keys)}`;
    case 'invalid_union':
      return 'is not in any accepted form';
    case 'invalid_key':
      return 'has a name that is not accepted';
    case 'invalid_element':
      return 'has a value that is not accepted';
    default:
      return 'is not accepted';
  }
}

/** One issue as a clause: "limit must be at most 1000", "serial: a serial is 1-64 letters, …". */
export function issueInWords(issue: Issue): string {
  const field = fieldInWords(issue.path);
  const problem = problemInWords(issue);
  const ours = issue.code !== 'custom' && ZOD_DEFAULT.test(issue.message);
  if (!field) return ours ? `the input ${problem}` : problem;
  return ours ? `${field} ${problem}` : `${field}: ${problem}`;
}

/** Every issue (the first ten) as one sentence, for an E_VALIDATION message. */
export function issuesInWords(error: z.ZodError): string {
  const clauses = error.issues.slice(0, 10).map(issueInWords);
  const more = error.issues.length - clauses.length;
  const text = clauses.join('; ') + (more > 0 ? `; and ${more} more` : '');
  // "Serial is required." starts a sentence; "timezone: not a known …" names the field as the schema spells it.
  const first = error.issues[0];
  const namesField = first !== undefined && fieldInWords(first.path) !== null && (first.code === 'custom' || !ZOD_DEFAULT.test(first.message));
  const sentence = namesField ? text : text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
