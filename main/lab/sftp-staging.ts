/**
 * The lab appliance's SFTP subsystem: one directory, the firmware staging area, shown at the path
 * the appliance reports (/var/lib/ocactl/staging) and stored in the lab's folder on disk. Bytes
 * land on disk for real, capped per appliance. Faults: `corrupt` flips bits in what is written,
 * `drop` cuts the connection mid-transfer, `slow` throttles writes.
 */
import { constants as fsConstants, mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join, posix } from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes, SFTPWrapper } from 'ssh2';
import type { FaultId } from './contract';
import { delay } from './reply-faults';
import type { LogArea } from './sftp-logs';

const { STATUS_CODE } = ssh2.utils.sftp;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
/** `drop`: the connection is cut once this many bytes of an upload have arrived. */
export const DROP_AFTER_BYTES = 32 * 1024;

/** One appliance's staging directory with its byte budget. */
export class StagingArea {
  private used: number | null = null;

  constructor(
    /** The path clients see. */
    readonly virtualDir: string,
    /** Where the bytes go on this machine. */
    readonly disk: string,
    readonly capBytes: number,
  ) {}

  usedBytes(): number {
    if (this.used === null) {
      this.used = 0;
      try {
        for (const name of readdirSync(this.disk)) this.used += statSync(join(this.disk, name)).size;
      } catch {
        // No staging directory yet: nothing used.
      }
    }
    return this.used;
  }

  adjust(delta: number): void {
    this.used = Math.max(0, this.usedBytes() + delta);
  }

  ensureDisk(): void {
    mkdirSync(this.disk, { recursive: true });
  }

  /** The file name inside the area a client path points at, '' for the area itself, null for elsewhere. */
  nameOf(clientPath: string): string | null {
    const resolved = posix.resolve(this.virtualDir, clientPath || '.');
    if (resolved === this.virtualDir) return '';
    if (posix.dirname(resolved) !== this.virtualDir) return null;
    const name = posix.basename(resolved);
    return NAME.test(name) ? name : null;
  }

  /** True for the area's ancestors (/, /var, ...), which clients may stat. */
  isAncestor(clientPath: string): boolean {
    const resolved = posix.resolve(this.virtualDir, clientPath || '.');
    return resolved === '/' || this.virtualDir.startsWith(resolved + '/');
  }
}

export interface SftpSessionOptions {
  area: StagingArea;
  faults: () => readonly FaultId[];
  /** Cut the SSH connection now (the `drop` fault). */
  dropConnection: () => void;
  /** The log folder, served read-only beside the staging area (sftp-logs.ts). */
  logs?: LogArea;
}

interface FileEntry {
  kind: 'file';
  fh: FileHandle;
  name: string;
  size: number;
}
interface DirEntry {
  kind: 'dir';
  listed: boolean;
  /** The log folder's listing, when it is that folder. */
  logs?: Map<string, { data: Buffer; mtimeMs: number }>;
}
/** A log file, read from memory (what it held when opened). */
interface LogFileEntry {
  kind: 'log';
  data: Buffer;
  mtimeMs: number;
}

const dirAttrs = (): Attributes => ({ mode: 0o40755, uid: 0, gid: 0, size: 4096, atime: 0, mtime: 0 });
const fileAttrs = (size: number, mtimeMs: number): Attributes => ({
  mode: 0o100644,
  uid: 0,
  gid: 0,
  size,
  atime: Math.floor(mtimeMs / 1000),
  mtime: Math.floor(mtimeMs / 1000),
});

const { OPEN_MODE } = ssh2.utils.sftp;
/**
 * SFTP open flags as numeric fs flags. Every combination a client may send, not only the ones with a
 * string name: OpenSSH's scp opens with WRITE|CREAT (no TRUNC) and a resumed upload with WRITE alone.
 */
export function openFlags(flags: number): number | null {
  const read = (flags & OPEN_MODE.READ) !== 0;
  const write = (flags & OPEN_MODE.WRITE) !== 0;
  if (!read && !write) return null;
  let out = read && write ? fsConstants.O_RDWR : write ? fsConstants.O_WRONLY : fsConstants.O_RDONLY;
  if (flags & OPEN_MODE.APPEND) out |= fsConstants.O_APPEND;
  if (flags & OPEN_MODE.CREAT) out |= fsConstants.O_CREAT;
  if (flags & OPEN_MODE.TRUNC) out |= fsConstants.O_TRUNC;
  if (flags & OPEN_MODE.EXCL) out |= fsConstants.O_EXCL;
  return out;
}

/** ssh2's server-side SFTP object keeps its channel's protocol private; these are the calls sshd makes. */
interface SubsystemChannel {
  outgoing: { id: number; state: string };
  _protocol: { exitStatus(id: number, status: number): void; channelEOF(id: number): void };
}

function endSubsystem(sftp: SFTPWrapper): void {
  const channel = sftp as unknown as SubsystemChannel;
  if (channel.outgoing.state === 'open') {
    channel._protocol.exitStatus(channel.outgoing.id, 0);
    channel._protocol.channelEOF(channel.outgoing.id);
  }
  sftp.end();
}

/** Serve the SFTP protocol for one session over the staging area. */
export function serveStagingSftp(sftp: SFTPWrapper, options: SftpSessionOptions): void {
  const { area } = options;
  const handles = new Map<number, FileEntry | DirEntry | LogFileEntry>();
  const logs = options.logs;
  /** A path in the log folder: '' for the folder, the file name, or null when it is not there. */
  const logName = (path: string): string | null => {
    if (!logs) return null;
    const resolved = posix.resolve(area.virtualDir, path || '.');
    if (resolved === logs.virtualDir) return '';
    return posix.dirname(resolved) === logs.virtualDir ? posix.basename(resolved) : null;
  };
  let nextHandle = 1;
  let uploaded = 0;
  const handleOf = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
  const newHandle = (entry: FileEntry | DirEntry | LogFileEntry) => {
    const id = nextHandle++;
    handles.set(id, entry);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id);
    return buf;
  };
  const fail = (reqId: number, err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    else if (code === 'EEXIST') sftp.status(reqId, STATUS_CODE.FAILURE, 'File exists');
    else sftp.status(reqId, STATUS_CODE.FAILURE, 'The appliance could not do that');
  };
  const outside = (reqId: number) =>
    sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED, `Only files directly in ${area.virtualDir} are writable`);

  sftp.on('REALPATH', (reqId, path) => {
    const resolved = posix.resolve(area.virtualDir, path || '.');
    sftp.name(reqId, [{ filename: resolved, longname: resolved, attrs: {} as Attributes }]);
  });

  const statPath = async (reqId: number, path: string) => {
    const log = logName(path);
    if (log === '') return sftp.attrs(reqId, dirAttrs());
    if (log !== null) {
      const file = logs!.files().get(log);
      return file ? sftp.attrs(reqId, { ...fileAttrs(file.data.length, file.mtimeMs), mode: 0o100444 }) : sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    }
    const name = area.nameOf(path);
    if (name === '' || (name === null && area.isAncestor(path))) return sftp.attrs(reqId, dirAttrs());
    if (name === null) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    try {
      const st = await stat(join(area.disk, name));
      sftp.attrs(reqId, fileAttrs(st.size, st.mtimeMs));
    } catch (err) {
      fail(reqId, err);
    }
  };
  sftp.on('STAT', (reqId, path) => void statPath(reqId, path));
  sftp.on('LSTAT', (reqId, path) => void statPath(reqId, path));

  sftp.on('OPEN', (reqId, filename, flags) => {
    void (async () => {
      const log = logName(filename);
      if (log) {
        // The logs are read-only: any write flag is refused, as on a real appliance's log folder.
        if (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND | OPEN_MODE.CREAT | OPEN_MODE.TRUNC)) {
          return sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED, `${logs!.virtualDir} is read-only`);
        }
        const file = logs!.files().get(log);
        if (!file) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE, 'No such file');
        return sftp.handle(reqId, newHandle({ kind: 'log', data: file.data, mtimeMs: file.mtimeMs }));
      }
      const name = area.nameOf(filename);
      if (!name) return outside(reqId);
      const mode = openFlags(flags);
      if (mode === null) return sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED, 'Unsupported open flags');
      try {
        area.ensureDisk();
        const path = join(area.disk, name);
        const before = await stat(path).then((s) => s.size, () => 0);
        const fh = await open(path, mode, 0o644);
        const size = (await fh.stat()).size;
        area.adjust(size - before);
        sftp.handle(reqId, newHandle({ kind: 'file', fh, name, size }));
      } catch (err) {
        fail(reqId, err);
      }
    })();
  });

  sftp.on('WRITE', (reqId, handle, offset, data) => {
    void (async () => {
      const entry = handleOf(handle);
      if (!entry || entry.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Bad handle');
      const faults = options.faults();
      const growth = Math.max(0, offset + data.length - entry.size);
      if (area.usedBytes() + growth > area.capBytes) {
        return sftp.status(reqId, STATUS_CODE.FAILURE, `The staging area is full (at most ${area.capBytes} bytes); remove old images first`);
      }
      if (faults.includes('drop') && uploaded + data.length >= DROP_AFTER_BYTES) {
        uploaded += data.length;
        options.dropConnection();
        return;
      }
      if (faults.includes('slow')) await delay(250);
      let bytes = data;
      if (faults.includes('corrupt')) {
        // Flip a byte every 4 KiB, past the first KiB: the file looks whole, its checksum does not match.
        bytes = Buffer.from(data);
        for (let i = Math.min(1024, bytes.length >> 1); i < bytes.length; i += 4096) bytes[i] = bytes[i]! ^ 0x5a;
      }
      try {
        await entry.fh.write(bytes, 0, bytes.length, offset);
        uploaded += data.length;
        entry.size = Math.max(entry.size, offset + data.length);
        area.adjust(growth);
        sftp.status(reqId, STATUS_CODE.OK);
      } catch (err) {
        fail(reqId, err);
      }
    })();
  });

  sftp.on('READ', (reqId, handle, offset, length) => {
    void (async () => {
      const entry = handleOf(handle);
      if (entry?.kind === 'log') {
        if (offset >= entry.data.length) return sftp.status(reqId, STATUS_CODE.EOF);
        return sftp.data(reqId, entry.data.subarray(offset, offset + Math.min(length, 256 * 1024)));
      }
      if (!entry || entry.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Bad handle');
      try {
        const buf = Buffer.alloc(Math.min(length, 256 * 1024));
        const { bytesRead } = await entry.fh.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) return sftp.status(reqId, STATUS_CODE.EOF);
        sftp.data(reqId, buf.subarray(0, bytesRead));
      } catch (err) {
        fail(reqId, err);
      }
    })();
  });

  sftp.on('FSTAT', (reqId, handle) => {
    const entry = handleOf(handle);
    if (!entry) return sftp.status(reqId, STATUS_CODE.FAILURE, 'Bad handle');
    if (entry.kind === 'dir') return sftp.attrs(reqId, dirAttrs());
    if (entry.kind === 'log') return sftp.attrs(reqId, { ...fileAttrs(entry.data.length, entry.mtimeMs), mode: 0o100444 });
    entry.fh.stat().then(
      (st) => sftp.attrs(reqId, fileAttrs(st.size, st.mtimeMs)),
      (err: unknown) => fail(reqId, err),
    );
  });

  sftp.on('CLOSE', (reqId, handle) => {
    const entry = handleOf(handle);
    if (!entry) return sftp.status(reqId, STATUS_CODE.FAILURE, 'Bad handle');
    handles.delete(handle.readUInt32BE(0));
    if (entry.kind === 'dir' || entry.kind === 'log') return sftp.status(reqId, STATUS_CODE.OK);
    if (options.faults().includes('drop') && uploaded > 0) {
      void entry.fh.close();
      options.dropConnection();
      return;
    }
    entry.fh.close().then(
      () => sftp.status(reqId, STATUS_CODE.OK),
      (err: unknown) => fail(reqId, err),
    );
  });

  sftp.on('OPENDIR', (reqId, path) => {
    if (logName(path) === '') return sftp.handle(reqId, newHandle({ kind: 'dir', listed: false, logs: logs!.files() }));
    if (area.nameOf(path) !== '') return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE, 'No such directory');
    sftp.handle(reqId, newHandle({ kind: 'dir', listed: false }));
  });

  sftp.on('READDIR', (reqId, handle) => {
    const entry = handleOf(handle);
    if (!entry || entry.kind !== 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Bad handle');
    if (entry.listed) return sftp.status(reqId, STATUS_CODE.EOF);
    entry.listed = true;
    if (entry.logs) {
      const list = [...entry.logs].map(([name, f]) => ({ filename: name, longname: `-r--r--r-- 1 root root ${f.data.length} ${name}`, attrs: { ...fileAttrs(f.data.length, f.mtimeMs), mode: 0o100444 } }));
      return list.length ? sftp.name(reqId, list) : sftp.status(reqId, STATUS_CODE.EOF);
    }
    void (async () => {
      const names = await readdir(area.disk).catch(() => [] as string[]);
      const list = [];
      for (const name of names) {
        const st = await stat(join(area.disk, name)).catch(() => null);
        if (st?.isFile()) list.push({ filename: name, longname: `-rw-r--r-- 1 oca oca ${st.size} ${name}`, attrs: fileAttrs(st.size, st.mtimeMs) });
      }
      if (list.length === 0) return sftp.status(reqId, STATUS_CODE.EOF);
      sftp.name(reqId, list);
    })();
  });

  sftp.on('REMOVE', (reqId, path) => {
    const name = area.nameOf(path);
    if (!name) return outside(reqId);
    const file = join(area.disk, name);
    void stat(file)
      .then(async (st) => {
        await unlink(file);
        area.adjust(-st.size);
        sftp.status(reqId, STATUS_CODE.OK);
      })
      .catch((err: unknown) => fail(reqId, err));
  });

  sftp.on('RENAME', (reqId, from, to) => {
    const a = area.nameOf(from);
    const b = area.nameOf(to);
    if (!a || !b) return outside(reqId);
    rename(join(area.disk, a), join(area.disk, b)).then(
      () => sftp.status(reqId, STATUS_CODE.OK),
      (err: unknown) => fail(reqId, err),
    );
  });

  const allowNoop = (reqId: number) => sftp.status(reqId, STATUS_CODE.OK);
  sftp.on('SETSTAT', (reqId) => allowNoop(reqId));
  sftp.on('FSETSTAT', (reqId) => allowNoop(reqId));
  for (const op of ['MKDIR', 'RMDIR', 'SYMLINK', 'READLINK']) {
    sftp.on(op, (reqId: number) => sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED, 'Not supported on an appliance'));
  }

  const closeAll = () => {
    for (const entry of handles.values()) if (entry.kind === 'file') void entry.fh.close().catch(() => undefined);
    handles.clear();
  };
  sftp.on('close', closeAll);
  // The client sent EOF on the channel (OpenSSH's sftp and scp do after the last CLOSE, then wait
  // for the server to close its side). Answer as sshd does when its sftp-server exits: exit status 0,
  // EOF, close. Without the close they hang; without the status scp exits 1 after a good upload.
  sftp.on('end', () => {
    closeAll();
    endSubsystem(sftp);
  });
}
