/**
 * Field types every domain's contract shares: bounded text, identifiers, addresses, ports, times.
 * Each carries the sentence a field engineer reads when a value does not fit.
 */
import { z } from 'zod';

const noControlChars = (s: string) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s);
/** A short single-line text field: no control characters, bounded length. */
export const ShortText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `at most ${max} characters`)
    .refine(noControlChars, 'control characters are not allowed');
export const Serial = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a serial is 1-64 letters, digits, dot, dash or underscore');
export const SiteCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'a site code is 1-32 letters, digits, dash or underscore');
export const Hostname = z
  .string()
  .trim()
  .max(253, 'a hostname is at most 253 characters')
  .regex(
    /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'a hostname is letters, digits and dashes, in dot-separated labels',
  );
export const Ipv4 = z.ipv4({ message: 'not an IPv4 address' });
export const Ipv6 = z.ipv6({ message: 'not an IPv6 address' });
export const Port = z.number().int().min(1, 'a port is 1-65535').max(65535, 'a port is 1-65535');
/** OpenSSH SHA256 host-key fingerprint, `SHA256:` and 43 base64 characters. */
export const HostKeyFingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a fingerprint looks like SHA256: followed by 43 base64 characters');
export const Iso8601 = z.string();
