/**
 * Terminal contract: interactive SSH sessions on appliances (a pty and the appliance's shell, over
 * the engine's pool, through jump hosts, with the same host-key trust as everything else), their
 * output as events to the window that opened them, broadcast input with a confirmation, and a file
 * browser over SFTP confined to the appliance's staging area. See docs/terminal.md.
 */
import { z } from 'zod';
import { method } from '../kit/contract';
import { Serial } from '../kit/fields';

export const SessionId = z.string().regex(/^t-[0-9a-f]{16}$/, 'a terminal session id looks like t- and 16 hex digits');
export const Cols = z.number().int().min(2).max(1000);
export const Rows = z.number().int().min(1).max(1000);
/** One write: keystrokes or a paste (a bigger paste is sent in pieces). */
export const Keystrokes = z.string().min(1).max(64 * 1024);

export const TerminalSession = z.object({
  sessionId: SessionId,
  serial: Serial,
  hostname: z.string(),
  /** Jump hosts on the way, outermost first (labels). */
  via: z.array(z.string()),
  openedAt: z.string(),
  cols: Cols,
  rows: Rows,
});
export type TerminalSession = z.infer<typeof TerminalSession>;

export const TerminalSettings = z.object({
  /** Keep each session's output (never its input) in transcripts/ of the data dir. Off by default. */
  transcript: z.boolean(),
});
export type TerminalSettings = z.infer<typeof TerminalSettings>;

/** The staging area (firmware images: list, upload, download) and the logs (read-only: list, download). */
export const FileArea = z.enum(['staging', 'logs']);
export type FileArea = z.infer<typeof FileArea>;
/** A plain file name in the area: no folders, no `..`, no hidden files, no control characters. */
export const AreaFileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'a file name is 1-128 letters, digits or . _ + - and starts with a letter or digit; folders and .. are not allowed');

export const AreaFile = z.object({
  name: z.string(),
  size: z.number().int().min(0),
  modifiedAt: z.string().nullable(),
  /** Why the browser will not open it (a symbolic link, a folder, a name outside the rules), or null. */
  refused: z.string().nullable(),
});
export type AreaFile = z.infer<typeof AreaFile>;

/** Largest download through one reply, and largest upload piece. */
export const MAX_DOWNLOAD_BYTES = 16 * 1024 * 1024;
/** A folder listing stops here (an appliance whose listing never ends is not read for ever). */
export const MAX_LISTED_FILES = 10_000;
export const MAX_UPLOAD_CHUNK_BYTES = 512 * 1024;

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'data is base64');

export const terminalMethods = {
  open: method(
    'Open a terminal on an appliance (its restricted shell on a pty); output comes as terminal.output events to this window',
    z.object({ serial: Serial, cols: Cols.default(80), rows: Rows.default(24) }),
    TerminalSession, { writes: true },
  ),
  write: method('Send keystrokes (or a paste) to one of this window\'s terminals', z.object({ sessionId: SessionId, data: Keystrokes }), z.object({ ok: z.literal(true) }), { writes: true }),
  resize: method('Tell the appliance the terminal\'s new size', z.object({ sessionId: SessionId, cols: Cols, rows: Rows }), z.object({ ok: z.literal(true) }), { writes: true }),
  close: method('Close one of this window\'s terminals', z.object({ sessionId: SessionId }), z.object({ closed: z.boolean() }), { writes: true }),
  list: method('This window\'s open terminals', z.object({}).default({}), z.array(TerminalSession), { writes: false }),
  broadcast: method(
    'Send the same input to several of this window\'s terminals: the targets are listed and their count typed back',
    z.object({ sessionIds: z.array(SessionId).min(1).max(200), data: Keystrokes, confirm: z.number().int().min(0) }),
    z.object({ sent: z.array(Serial) }), { writes: true },
  ),
  run: method(
    'Run one command line on an appliance (as `ssh host CMD`: its shell decides what runs) and return its output and exit status',
    z.object({ serial: Serial, argv: z.array(z.string().max(4096)).min(1).max(256), timeoutMs: z.number().int().min(1000).max(3_600_000).default(120_000) }),
    z.object({ exitCode: z.number().int().nullable(), signal: z.string().nullable(), stdout: z.string(), stderr: z.string(), truncated: z.boolean() }), { writes: true },
  ),
  settings: method('Terminal settings', z.object({}).default({}), TerminalSettings, { writes: false }),
  updateSettings: method('Change terminal settings (audited)', TerminalSettings.partial(), TerminalSettings, { writes: true }),
  listFiles: method('Files in an appliance\'s staging area or its logs (over SFTP)', z.object({ serial: Serial, area: FileArea.default('staging') }), z.object({ path: z.string(), files: z.array(AreaFile) }), { writes: true }),
  download: method(
    `A file from the staging area, base64 (at most ${MAX_DOWNLOAD_BYTES / (1024 * 1024)} MiB)`,
    z.object({ serial: Serial, area: FileArea.default('staging'), name: z.string().max(4096) }),
    z.object({ name: z.string(), size: z.number().int(), data: z.string() }), { writes: true },
  ),
  upload: method(
    'Write one piece of a file into the staging area at an offset (offset 0 starts the file afresh); pieces go in order',
    z.object({ serial: Serial, area: FileArea.default('staging'), name: z.string().max(4096), offset: z.number().int().min(0), data: Base64.max(Math.ceil(MAX_UPLOAD_CHUNK_BYTES / 3) * 4) }),
    z.object({ name: z.string(), size: z.number().int() }), { writes: true },
  ),
};

export const terminalEvents = {
  /** Output of a terminal, only to the window that opened it; `seq` counts from 0 per session. */
  output: z.object({ sessionId: SessionId, seq: z.number().int(), data: z.string() }),
  /** The terminal ended (the shell exited, the connection dropped, it was closed). */
  closed: z.object({ sessionId: SessionId, exitCode: z.number().int().nullable(), reason: z.string() }),
};
