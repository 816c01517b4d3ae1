/**
 * Terminals on appliances: a pty and the appliance's shell over net's shared pool (the route's
 * jump hosts and the strict host-key trust every job uses), output sent as `terminal.output` to
 * the window that opened the session only, input, resize and close from that window only. A
 * window that goes away closes its terminals. Each session is audited when it opens and when it
 * ends (who, which appliance, how long, bytes); a transcript of its output is kept only when the
 * setting says so, and typed input is never recorded anywhere.
 *
 * The file browser reads and writes the appliance's staging area over SFTP (the pool's sftp()):
 * plain file names only; symbolic links, folders and anything outside the area are refused with a
 * sentence.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { posix } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel, SFTPWrapper, Stats } from 'ssh2';
import { parseOcactlReply } from '../appliance/replies';
import { DEFAULT_LOG_DIR } from '../appliance/contract';
import type { ServiceDeps } from '../deps';
import type { DomainHandlers } from '../kit/contract';
import type { CallContext, WindowSession } from '../kit/context';
import { fieldError, FleetError } from '../kit/errors';
import type { InventoryService } from '../inventory/service';
import type { NetService } from '../net/service';
import type { SftpSession } from '../net/ssh-pool';
import type { Setting } from '../settings/store';
import {
  AreaFileName,
  MAX_DOWNLOAD_BYTES,
  MAX_LISTED_FILES,
  MAX_UPLOAD_CHUNK_BYTES,
  TerminalSettings,
  type AreaFile,
  type FileArea,
  type TerminalSession,
  terminalEvents,
  terminalMethods,
} from './contract';

/** How the areas are named in sentences. */
const AREA_NAMES: Record<FileArea, string> = { staging: 'staging', logs: 'log' };

/** Output is sent in events of at most this many characters, gathered for FLUSH_MS. */
export const MAX_EVENT_CHARS = 32 * 1024;
const FLUSH_MS = 8;
/** Output waiting for its window past this: the appliance's channel is paused until it is sent. */
export const MAX_PENDING_CHARS = 256 * 1024;
/**
 * Output the window has not taken yet (its carrier's send buffer) past this: nothing more is sent
 * and the appliance's channel stays paused (its SSH window fills, so it stops sending) until the
 * window catches up; looked at again every HOLD_MS. A flood into a slow window is held at the
 * appliance instead of growing the engine's memory.
 */
export const MAX_WINDOW_BACKLOG_BYTES = 1024 * 1024;
const HOLD_MS = 20;
export const MAX_SESSIONS_PER_WINDOW = 32;
export const MAX_SESSIONS = 256;
const OPEN_TIMEOUT_MS = 20_000;
/**
 * A file browser operation (list, download, one upload piece) once SFTP is open: a peer that stops
 * answering ends it with E_TIMEOUT and the pooled connection's use is given back. 16 MiB at the
 * slowest link worth waiting for (about 1 Mbit/s is 2 minutes) fits.
 */
export const FILE_OPERATION_TIMEOUT_MS = 180_000;
/** Where builds before the settings store kept the setting; its value is moved into the store once. */
export const LEGACY_SETTINGS_FILE = 'terminal-settings.json';
const DEFAULT_SETTINGS: TerminalSettings = { transcript: false };

interface Session {
  info: TerminalSession;
  window: string;
  /** Bytes sent to the window and not yet taken by it. */
  backlog: () => number;
  actor: string;
  channel: ClientChannel;
  startedMs: number;
  seq: number;
  pending: string;
  timer: NodeJS.Timeout | null;
  bytesIn: number;
  bytesOut: number;
  exitCode: number | null;
  ended: boolean;
  transcript: string | null;
  stopListening: () => void;
}

export class TerminalService {
  private readonly sessions = new Map<string, Session>();
  /** Each appliance's staging and log folders (`area:serial`), as it reported them. */
  private readonly areaDirs = new Map<string, string>();
  readonly handlers: DomainHandlers<typeof terminalMethods, CallContext>;
  private readonly stored: Setting<TerminalSettings>;
  /** How long a file browser operation may take once SFTP is open (FILE_OPERATION_TIMEOUT_MS; tests shorten it). */
  fileOperationTimeoutMs = FILE_OPERATION_TIMEOUT_MS;

  constructor(
    private readonly deps: ServiceDeps<typeof terminalEvents>,
    private readonly inventory: InventoryService,
    private readonly net: NetService,
  ) {
    this.stored = deps.settings.setting('terminal', 'settings', TerminalSettings, DEFAULT_SETTINGS);
    this.moveLegacySettings();
    this.handlers = {
      open: (input, ctx) => this.open(input.serial, input.cols, input.rows, ctx),
      write: ({ sessionId, data }, ctx) => {
        this.write(this.own(sessionId, ctx), data);
        return { ok: true as const };
      },
      resize: ({ sessionId, cols, rows }, ctx) => {
        const s = this.own(sessionId, ctx);
        s.info.cols = cols;
        s.info.rows = rows;
        s.channel.setWindow(rows, cols, 0, 0);
        return { ok: true as const };
      },
      close: ({ sessionId }, ctx) => {
        const s = this.sessions.get(sessionId);
        if (!s || s.window !== ctx.window?.id) return { closed: false };
        this.end(s, 'closed by the operator');
        return { closed: true };
      },
      list: (_input, ctx) => [...this.sessions.values()].filter((s) => s.window === ctx.window?.id).map((s) => ({ ...s.info })),
      broadcast: ({ sessionIds, data, confirm }, ctx) => this.broadcast(sessionIds, data, confirm, ctx),
      run: ({ serial, argv, timeoutMs }, ctx) => this.run(serial, argv, timeoutMs, ctx.actor),
      settings: () => this.settings(),
      updateSettings: (patch, ctx) => this.updateSettings(patch, ctx.actor),
      listFiles: ({ serial, area }) => this.listFiles(serial, area),
      download: ({ serial, area, name }) => this.download(serial, area, name),
      upload: ({ serial, area, name, offset, data }, ctx) => this.upload(serial, area, name, offset, Buffer.from(data, 'base64'), ctx.actor),
    };
  }

  // Settings (the typed settings store, terminal scope)

  settings(): TerminalSettings {
    return this.stored.get();
  }

  updateSettings(patch: Partial<TerminalSettings>, actor: string): TerminalSettings {
    return this.deps.db.transaction(() => {
      const next = this.stored.set({ ...this.stored.get(), ...patch });
      this.deps.audit.append({ actor, action: 'terminal.settings', target: 'terminal:settings', details: { ...next } });
      return next;
    })();
  }

  /**
   * Builds before the settings store kept the setting in terminal-settings.json in the data dir:
   * its value moves into the store once (audited), and the file goes. A file that cannot be read
   * is left where it is, with a warning in the log, and the default (no transcript) holds.
   */
  private moveLegacySettings(): void {
    const path = join(this.deps.dataDir, LEGACY_SETTINGS_FILE);
    if (!existsSync(path)) return;
    let value: TerminalSettings;
    try {
      value = TerminalSettings.parse(JSON.parse(readFileSync(path, 'utf8')));
    } catch (err) {
      this.deps.log.warn('terminal settings file not moved into the settings store', { file: path, error: (err as Error).message });
      return;
    }
    this.deps.db.transaction(() => {
      this.stored.set(value);
      this.deps.audit.append({ actor: 'system:migration', action: 'terminal.settings', target: 'terminal:settings', details: { ...value, movedFrom: LEGACY_SETTINGS_FILE } });
    })();
    rmSync(path, { force: true });
  }

  // Sessions

  async open(serial: string, cols: number, rows: number, ctx: CallContext): Promise<TerminalSession> {
    const window = ctx.window;
    if (!window) throw new FleetError('E_UNAVAILABLE', 'A terminal needs a window to show it in; this caller has none.');
    const mine = [...this.sessions.values()].filter((s) => s.window === window.id).length;
    if (mine >= MAX_SESSIONS_PER_WINDOW) throw new FleetError('E_TOO_LARGE', `This window has ${mine} terminals open already; close one first.`);
    if (this.sessions.size >= MAX_SESSIONS) throw new FleetError('E_TOO_LARGE', `${this.sessions.size} terminals are open in this engine already; close some first.`);
    const { appliance } = this.inventory.getAppliance(serial);
    const route = this.net.routeFor(appliance);
    const channel = await this.net.sharedPool().shell(route, { cols, rows }, { timeoutMs: OPEN_TIMEOUT_MS });
    const sessionId = `t-${randomBytes(8).toString('hex')}`;
    const openedAt = new Date(this.deps.clock.now()).toISOString();
    const transcript = this.settings().transcript ? this.startTranscript(sessionId, appliance.serial, openedAt) : null;
    const session: Session = {
      info: { sessionId, serial: appliance.serial, hostname: appliance.hostname, via: route.via.map((v) => v.label), openedAt, cols, rows },
      window: window.id,
      backlog: () => window.backlog?.() ?? 0,
      actor: ctx.actor,
      channel,
      startedMs: this.deps.clock.now(),
      seq: 0,
      pending: '',
      timer: null,
      bytesIn: 0,
      bytesOut: 0,
      exitCode: null,
      ended: false,
      transcript,
      stopListening: () => undefined,
    };
    this.sessions.set(sessionId, session);
    this.deps.audit.append({
      actor: ctx.actor,
      action: 'terminal.open',
      target: `appliance:${appliance.serial}`,
      details: { sessionId, via: session.info.via, transcript: transcript !== null },
    });
    this.wire(session, window);
    return { ...session.info };
  }

  private wire(s: Session, window: WindowSession): void {
    const decoder = new StringDecoder('utf8');
    const take = (chunk: Buffer) => {
      s.bytesOut += chunk.length;
      this.queue(s, decoder.write(chunk));
    };
    s.channel.on('data', take);
    s.channel.stderr.on('data', take);
    s.channel.on('exit', (code: number | null) => {
      s.exitCode = typeof code === 'number' ? code : null;
    });
    s.channel.on('close', () => this.end(s, s.exitCode === null ? 'the connection closed' : `the shell exited with status ${s.exitCode}`));
    s.stopListening = window.onClose(() => this.end(s, 'the window closed'));
  }

  /** Gathers output for a few milliseconds and sends it in bounded events; pauses the channel when the window falls behind. */
  private queue(s: Session, text: string): void {
    if (!text || s.ended) return;
    s.pending += text;
    if (s.transcript) {
      try {
        appendFileSync(s.transcript, text);
      } catch (err) {
        this.deps.log.warn('terminal transcript write failed', { sessionId: s.info.sessionId, error: (err as Error).message });
        s.transcript = null;
      }
    }
    if (s.pending.length > MAX_PENDING_CHARS) s.channel.pause();
    s.timer ??= setTimeout(() => this.flush(s), FLUSH_MS);
  }

  private flush(s: Session, force = false): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    if (!force && s.backlog() > MAX_WINDOW_BACKLOG_BYTES) {
      // The window is behind: hold the output (bounded: the channel is paused) and look again.
      s.channel.pause();
      s.timer = setTimeout(() => this.flush(s), HOLD_MS);
      return;
    }
    while (s.pending.length > 0) {
      let cut = Math.min(s.pending.length, MAX_EVENT_CHARS);
      // Never split a surrogate pair between two events.
      const last = s.pending.charCodeAt(cut - 1);
      if (cut < s.pending.length && last >= 0xd800 && last <= 0xdbff) cut--;
      const data = s.pending.slice(0, cut);
      s.pending = s.pending.slice(cut);
      this.deps.events.emitTo(s.window, 'output', { sessionId: s.info.sessionId, seq: s.seq++, data });
    }
    if (!s.ended) s.channel.resume();
  }

  private write(s: Session, data: string): void {
    if (s.ended) throw new FleetError('E_UNAVAILABLE', `The terminal on ${s.info.serial} has ended.`);
    s.bytesIn += Buffer.byteLength(data);
    s.channel.write(data);
  }

  private end(s: Session, reason: string): void {
    if (s.ended) return;
    this.flush(s, true);
    s.ended = true;
    this.sessions.delete(s.info.sessionId);
    s.stopListening();
    s.channel.removeAllListeners('data');
    s.channel.stderr.removeAllListeners('data');
    s.channel.close();
    this.deps.events.emitTo(s.window, 'closed', { sessionId: s.info.sessionId, exitCode: s.exitCode, reason });
    const durationMs = Math.max(0, this.deps.clock.now() - s.startedMs);
    try {
      this.deps.audit.append({
        actor: s.actor,
        action: 'terminal.close',
        target: `appliance:${s.info.serial}`,
        details: { sessionId: s.info.sessionId, durationMs, bytesIn: s.bytesIn, bytesOut: s.bytesOut, exitCode: s.exitCode, reason },
      });
    } catch (err) {
      // The engine may be closing its database as its windows close.
      this.deps.log.warn('terminal audit entry not written', { sessionId: s.info.sessionId, error: (err as Error).message });
    }
  }

  /** One command line, as `ssh host CMD`; audited with the program's name only (arguments may hold secrets). */
  async run(serial: string, argv: readonly string[], timeoutMs: number, actor: string) {
    const { appliance } = this.inventory.getAppliance(serial);
    const startedMs = this.deps.clock.now();
    const result = await this.net.sharedPool().exec(this.net.routeFor(appliance), argv, { timeoutMs, maxOutputBytes: 8 * 1024 * 1024 });
    this.deps.audit.append({
      actor,
      action: 'terminal.run',
      target: `appliance:${appliance.serial}`,
      details: { program: argv[0]!.slice(0, 100), exitCode: result.exitCode, durationMs: Math.max(0, this.deps.clock.now() - startedMs) },
    });
    return result;
  }

  private own(sessionId: string, ctx: CallContext): Session {
    const s = this.sessions.get(sessionId);
    if (!s || s.window !== ctx.window?.id) throw new FleetError('E_NOT_FOUND', `There is no open terminal ${sessionId} in this window.`);
    return s;
  }

  private broadcast(sessionIds: readonly string[], data: string, confirm: number, ctx: CallContext): { sent: string[] } {
    const unique = [...new Set(sessionIds)];
    const targets = unique.map((id) => this.own(id, ctx));
    if (confirm !== targets.length) {
      throw new FleetError('E_CONFIRM', `Input to ${targets.length} terminals needs their count (${targets.length}) confirmed; nothing was sent.`, {
        count: targets.length,
        sites: 0,
        partners: 0,
        action: 'terminal.broadcast',
      });
    }
    for (const s of targets) this.write(s, data);
    const sent = targets.map((s) => s.info.serial);
    // Which appliances got input, and how much: never the input itself (it may hold a secret).
    this.deps.audit.append({ actor: ctx.actor, action: 'terminal.broadcast', target: `terminal:${sent.length}`, details: { serials: sent, bytes: Buffer.byteLength(data) } });
    return { sent };
  }

  private startTranscript(sessionId: string, serial: string, openedAt: string): string | null {
    try {
      const dir = join(this.deps.dataDir, 'transcripts');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, `${openedAt.replace(/[:.]/g, '-')}-${serial}-${sessionId}.log`);
      writeFileSync(path, '', { mode: 0o600 });
      return path;
    } catch (err) {
      this.deps.log.warn('terminal transcript not started', { sessionId, error: (err as Error).message });
      return null;
    }
  }

  /** Ends every terminal (the engine is closing). */
  close(): void {
    for (const s of [...this.sessions.values()]) this.end(s, 'the engine closed');
  }

  // Files in the staging area

  /**
   * The area's folder on the appliance: the staging folder `ocactl status` reports
   * (firmware.stagingDir; DEFAULT_STAGING_DIR on a production appliance), asked once per appliance.
   */
  private async areaDir(serial: string, area: FileArea): Promise<string> {
    if (area !== 'staging' && area !== 'logs') throw new FleetError('E_VALIDATION', `There is no file area "${String(area)}".`);
    const known = this.areaDirs.get(`${area}:${serial}`);
    if (known) return known;
    const { appliance } = this.inventory.getAppliance(serial);
    const out = await this.net.sharedPool().exec(this.net.routeFor(appliance), ['ocactl', 'status'], { timeoutMs: OPEN_TIMEOUT_MS });
    const status = parseOcactlReply('status', out.stdout);
    const reported = area === 'staging' ? status.firmware.stagingDir : (status.logDir ?? DEFAULT_LOG_DIR);
    const dir = posix.normalize(reported).replace(/\/+$/, '');
    if (!posix.isAbsolute(dir) || dir === '/' || dir.split('/').includes('..')) {
      throw new FleetError('E_BAD_REPLY', `${serial} reports its ${AREA_NAMES[area]} folder as ${JSON.stringify(reported.slice(0, 200))}, which is not a folder the file browser will open.`);
    }
    this.areaDirs.set(`${area}:${serial}`, dir);
    return dir;
  }

  private async withSftp<T>(serial: string, fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    const { appliance } = this.inventory.getAppliance(serial);
    const session: SftpSession = await this.net.sharedPool().sftp(this.net.routeFor(appliance), { timeoutMs: OPEN_TIMEOUT_MS });
    let deadline: NodeJS.Timeout | undefined;
    try {
      const closed = session.whenClosed.then(() => {
        throw new FleetError('E_UNREACHABLE', `The connection to ${serial} dropped during the file transfer.`);
      });
      const seconds = Math.round(this.fileOperationTimeoutMs / 1000);
      const late = new Promise<never>((_resolve, reject) => {
        deadline = setTimeout(
          () => reject(new FleetError('E_TIMEOUT', `${serial} did not answer the file browser within ${seconds} s; the SFTP session was closed. Check the appliance and try again.`)),
          this.fileOperationTimeoutMs,
        );
      });
      return await Promise.race([fn(session.sftp), closed, late]);
    } finally {
      clearTimeout(deadline);
      session.end();
    }
  }

  async listFiles(serial: string, area: FileArea): Promise<{ path: string; files: AreaFile[] }> {
    const dir = await this.areaDir(serial, area);
    return this.withSftp(serial, async (sftp) => {
      const entries = await listDir(sftp, dir, serial);
      const files = entries
        .filter((e) => e.filename !== '.' && e.filename !== '..')
        .map((e): AreaFile => {
          const mode = e.attrs.mode ?? 0;
          const kind = mode & 0o170000;
          const refused =
            kind === 0o120000
              ? 'a symbolic link: the file browser opens plain files only'
              : kind === 0o040000
                ? 'a folder: the file browser opens plain files only'
                : !AreaFileName.safeParse(e.filename).success
                  ? 'its name is outside the rules (letters, digits, . _ + -)'
                  : null;
          return { name: e.filename, size: e.attrs.size ?? 0, modifiedAt: e.attrs.mtime ? new Date(e.attrs.mtime * 1000).toISOString() : null, refused };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
      return { path: dir, files };
    });
  }

  /** The path of a plain file name inside the area; a sentence for anything else. */
  private async pathIn(serial: string, area: FileArea, name: string): Promise<string> {
    const dir = await this.areaDir(serial, area);
    const parsed = AreaFileName.safeParse(name);
    if (!parsed.success || posix.dirname(posix.join(dir, name)) !== dir) {
      const shown = JSON.stringify(name.slice(0, 80));
      throw fieldError(['name'], `${shown} is not a plain file name in ${dir}: names are letters, digits or . _ + -, with no folders, no .. and no leading dot.`);
    }
    return posix.join(dir, name);
  }

  async download(serial: string, area: FileArea, name: string): Promise<{ name: string; size: number; data: string }> {
    const path = await this.pathIn(serial, area, name);
    return this.withSftp(serial, async (sftp) => {
      const attrs = await lstat(sftp, path, serial);
      refuseNonPlain(attrs, name, area);
      if ((attrs.size ?? 0) > MAX_DOWNLOAD_BYTES) {
        throw new FleetError('E_TOO_LARGE', `${name} is ${attrs.size} bytes; the file browser downloads at most ${MAX_DOWNLOAD_BYTES / (1024 * 1024)} MiB.`);
      }
      const data = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const stream = sftp.createReadStream(path);
        stream.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_DOWNLOAD_BYTES) {
            stream.destroy();
            reject(new FleetError('E_TOO_LARGE', `${name} grew past ${MAX_DOWNLOAD_BYTES / (1024 * 1024)} MiB while it was read.`));
            return;
          }
          chunks.push(c);
        });
        stream.on('error', (err: Error) => reject(sftpError(err, `read ${path} on ${serial}`)));
        stream.on('end', () => resolve(Buffer.concat(chunks)));
      });
      return { name, size: data.length, data: data.toString('base64') };
    });
  }

  async upload(serial: string, area: FileArea, name: string, offset: number, data: Buffer, actor: string): Promise<{ name: string; size: number }> {
    if (area === 'logs') throw new FleetError('E_FORBIDDEN', `The logs of ${serial} are read-only: the file browser lists and downloads them, and uploads into the staging area only.`);
    const path = await this.pathIn(serial, area, name);
    if (data.length > MAX_UPLOAD_CHUNK_BYTES) throw new FleetError('E_TOO_LARGE', `An upload piece may hold ${MAX_UPLOAD_CHUNK_BYTES} bytes; this one holds ${data.length}.`);
    const size = await this.withSftp(serial, async (sftp) => {
      const existing = await lstat(sftp, path, serial).catch((err: unknown) => {
        if (err instanceof FleetError && err.code === 'E_NOT_FOUND') return null;
        throw err;
      });
      if (existing) refuseNonPlain(existing, name, area);
      if (offset > 0 && (existing?.size ?? 0) !== offset) {
        throw new FleetError('E_CONFLICT', `${name} on ${serial} holds ${existing?.size ?? 0} bytes, not the ${offset} this piece follows; start the upload again.`);
      }
      const handle = await new Promise<Buffer>((resolve, reject) =>
        sftp.open(path, offset === 0 ? 'w' : 'r+', (err, h) => (err ? reject(sftpError(err, `open ${path} on ${serial}`)) : resolve(h))),
      );
      try {
        if (data.length > 0) {
          await new Promise<void>((resolve, reject) =>
            sftp.write(handle, data, 0, data.length, offset, (err) => (err ? reject(sftpError(err, `write ${path} on ${serial}`)) : resolve())),
          );
        }
      } finally {
        await new Promise<void>((resolve) => sftp.close(handle, () => resolve()));
      }
      return offset + data.length;
    });
    if (offset === 0) this.deps.audit.append({ actor, action: 'terminal.upload', target: `appliance:${serial}`, details: { path } });
    return { name, size };
  }
}

type DirEntry = { filename: string; attrs: Stats };
/** SFTP status SSH_FX_EOF: the end of a directory listing. */
const SFTP_EOF = 1;
/**
 * READDIR answers with no names in a row before the listing is given up: a server says the end
 * with EOF, so a peer that answers empty batches for ever would otherwise keep the loop going
 * (one round trip per turn) until the operation's deadline, FILE_OPERATION_TIMEOUT_MS.
 */
export const MAX_EMPTY_READDIRS = 100;

/**
 * A folder's entries, batch by batch (READDIR on one handle until end-of-directory), at most
 * MAX_LISTED_FILES: a listing that never ends (a hostile or broken peer) is E_TOO_LARGE, not read
 * for ever into memory (ssh2's readdir by path gathers everything before it answers); one that
 * answers MAX_EMPTY_READDIRS empty batches in a row without ending is E_BAD_REPLY.
 */
async function listDir(sftp: SFTPWrapper, dir: string, serial: string): Promise<DirEntry[]> {
  const handle = await new Promise<Buffer>((resolve, reject) => sftp.opendir(dir, (err, h) => (err ? reject(sftpError(err, `list ${dir} on ${serial}`)) : resolve(h))));
  const entries: DirEntry[] = [];
  let emptyInARow = 0;
  try {
    for (;;) {
      const batch = await new Promise<DirEntry[] | null>((resolve, reject) =>
        sftp.readdir(handle, (err, list) => {
          if (err && (err as Error & { code?: number }).code === SFTP_EOF) resolve(null);
          else if (err) reject(sftpError(err, `list ${dir} on ${serial}`));
          else resolve(list as DirEntry[]);
        }),
      );
      if (batch === null) return entries;
      emptyInARow = batch.length === 0 ? emptyInARow + 1 : 0;
      if (emptyInARow >= MAX_EMPTY_READDIRS) {
        throw new FleetError(
          'E_BAD_REPLY',
          `${serial} answered ${MAX_EMPTY_READDIRS} reads of ${dir} in a row with no names and never said the listing had ended, so the file browser stopped asking. Check the appliance's SFTP server and try again.`,
        );
      }
      entries.push(...batch);
      if (entries.length > MAX_LISTED_FILES) {
        throw new FleetError(
          'E_TOO_LARGE',
          `${dir} on ${serial} lists more than ${MAX_LISTED_FILES.toLocaleString('en')} entries; the file browser shows folders up to that size. Clean it up from a terminal.`,
        );
      }
    }
  } finally {
    sftp.close(handle, () => undefined);
  }
}

function lstat(sftp: SFTPWrapper, path: string, serial: string): Promise<Stats> {
  return new Promise((resolve, reject) => sftp.lstat(path, (err, attrs) => (err ? reject(sftpError(err, `look at ${path} on ${serial}`)) : resolve(attrs))));
}

function refuseNonPlain(attrs: Stats, name: string, area: FileArea): void {
  const only = area === 'staging' ? 'in the staging area only' : 'among the logs only';
  if (attrs.isSymbolicLink()) throw new FleetError('E_FORBIDDEN', `${name} is a symbolic link; the file browser opens plain files ${only}.`);
  if (!attrs.isFile()) throw new FleetError('E_FORBIDDEN', `${name} is not a plain file; the file browser opens plain files ${only}.`);
}

function sftpError(err: Error & { code?: number | string }, what: string): FleetError {
  // SFTP status 2: no such file; 3: permission denied.
  if (err.code === 2) return new FleetError('E_NOT_FOUND', `Could not ${what}: there is no such file.`);
  if (err.code === 3) return new FleetError('E_FORBIDDEN', `Could not ${what}: permission denied.`);
  return new FleetError('E_UNREACHABLE', `Could not ${what}: ${err.message}.`);
}
