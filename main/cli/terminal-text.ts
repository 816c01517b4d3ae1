/**
 * Text from appliances (replies, error messages, stderr, hostnames) is shown, never obeyed: an
 * escape sequence in a reply could retitle the window, clear the screen or draw a fake "all OK".
 * Every line `fleetdeck` prints through its Io passes terminalSafe; appliance text is also clipped.
 */

/**
 * Control characters shown escaped: C0 (but tab and newline) and DEL as \xHH, C1 (0x80-0x9f, which
 * terminals may read as CSI and friends) and the bidirectional overrides that reorder what is shown
 * as \uXXXX. JSON text stays valid JSON with the same meaning (it never holds raw C0 characters, and
 * \uXXXX is JSON's own escape).
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** At most `max` characters, with how many more there were. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** A message from an appliance on one line: escaped, newlines shown as ⏎, at most `max` characters. */
export function oneLine(text: string, max = 300): string {
  return clip(text.replace(/\r?\n/g, ' ⏎ ').trim(), max);
}
