/**
 * The file browser against a hostile appliance: an SFTP server whose folder listing never ends
 * (every READDIR answers with more names, never end-of-directory), names carrying escape sequences.
 * Before the fix the engine read the listing for ever, holding every name in memory; now it stops
 * at MAX_LISTED_FILES with E_TOO_LARGE and a sentence, and the connection is given back. A peer
 * that answers every READDIR with no names (and never end-of-directory) is given up after
 * MAX_EMPTY_READDIRS such answers in a row with E_BAD_REPLY, not asked until the deadline.
 */
import { rmSync } from 'node:fs';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine';
import type { ApiClient } from '../api/client';
import { tempDir } from '../../tests/support/temp-dir';
import { until } from '../../tests/support/wait';
import { engineWithFleetKey, hostileAppliance, type HostileAppliance } from '../../tests/support/hostile-appliance';
import { MAX_LISTED_FILES } from './contract';
import { MAX_EMPTY_READDIRS } from './service';

const { STATUS_CODE } = ssh2.utils.sftp;

describe('the file browser against an SFTP peer whose listing never ends', { timeout: 120_000 }, () => {
  const root = tempDir('fleetdeck-hostile-sftp-');
  let engine: Engine;
  let api: ApiClient['api'];
  let peer: HostileAppliance | undefined;
  let served = 0;
  let silent = false;
  /** Answer every READDIR with no names (and never EOF) instead of 500 more. */
  let empty = false;
  let emptyServed = 0;
  let sftpEnded = 0;
  const serial = 'HOSTILE-SFTP-1';

  beforeAll(async () => {
    ({ engine, api } = await engineWithFleetKey(root));
    peer = await hostileAppliance(engine, root, serial, {
      sftp: (sftp) => {
        sftp.on('end', () => sftpEnded++);
        // A silent peer takes every request and never answers one.
        sftp.on('OPENDIR', (id) => (silent ? undefined : sftp.handle(id, Buffer.from('dir'))));
        sftp.on('OPEN', () => undefined);
        sftp.on('READDIR', (id) => {
          if (empty) {
            emptyServed++;
            sftp.name(id, []);
            return;
          }
          // Always more: 500 names a batch, one with an escape sequence, never EOF.
          const names = Array.from({ length: 500 }, () => {
            const n = served++;
            const filename = n % 100 === 0 ? `\u001b]0;owned\u0007f${n}` : `f${n}.log`;
            return { filename, longname: filename, attrs: { mode: 0o100644, uid: 0, gid: 0, size: 10, atime: 0, mtime: 0 } };
          });
          sftp.name(id, names);
        });
        sftp.on('CLOSE', (id) => sftp.status(id, STATUS_CODE.OK));
        sftp.on('LSTAT', (id) => (silent ? undefined : sftp.status(id, STATUS_CODE.NO_SUCH_FILE)));
        sftp.on('STAT', (id) => sftp.status(id, STATUS_CODE.NO_SUCH_FILE));
        sftp.on('REALPATH', (id) => sftp.name(id, [{ filename: '/', longname: '/', attrs: { mode: 0o40755, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 } }]));
      },
    });
  });

  afterAll(async () => {
    engine?.close();
    await peer?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('stops at the listing limit with E_TOO_LARGE and a sentence', async () => {
    const err = await api.terminal.listFiles({ serial }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_TOO_LARGE', message: expect.stringMatching(new RegExp(`more than ${MAX_LISTED_FILES.toLocaleString('en')} entries`)) });
    // It stopped asking soon after the limit (one batch of 500 may be in flight).
    expect(served).toBeLessThanOrEqual(MAX_LISTED_FILES + 1000);
  });

  it('a peer that answers every READDIR with no names and never EOF is given up after MAX_EMPTY_READDIRS answers with E_BAD_REPLY', async () => {
    empty = true;
    // Without the bound only the operation's deadline ends the listing (after thousands of round trips).
    engine.terminal.fileOperationTimeoutMs = 60_000;
    try {
      const err = await api.terminal.listFiles({ serial }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'E_BAD_REPLY',
        message: expect.stringMatching(new RegExp(`^${serial} answered ${MAX_EMPTY_READDIRS} reads of /\\S* in a row with no names and never said the listing had ended`)),
      });
      expect(emptyServed).toBe(MAX_EMPTY_READDIRS);
    } finally {
      empty = false;
    }
  });

  it('a peer that takes OPENDIR (or LSTAT) and never answers ends with E_TIMEOUT and a sentence; the pooled connection is given back', async () => {
    silent = true;
    engine.terminal.fileOperationTimeoutMs = 1500;
    const endedBefore = sftpEnded;
    // Without a deadline these never settle: the guard makes that a failure with a name, not a test timeout.
    const guard = async (p: Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting after 60 s'), 60_000)));
      const outcome = await Promise.race([p.catch((e: unknown) => e), stuck]);
      clearTimeout(timer);
      return outcome;
    };
    const listed = await guard(api.terminal.listFiles({ serial }));
    expect(listed).toMatchObject({ code: 'E_TIMEOUT', message: expect.stringMatching(new RegExp(`^${serial} did not answer the file browser within 2 s`)) });
    const downloaded = await guard(api.terminal.download({ serial, name: 'f1.log' }));
    expect(downloaded).toMatchObject({ code: 'E_TIMEOUT' });
    // Each SFTP session was closed and its use of the pooled connection given back.
    await until(() => sftpEnded >= endedBefore + 2, 'the peer sees both SFTP sessions closed', { timeoutMs: 30_000 });
    await until(() => engine.net.sharedPool().snapshot().every((l) => l.users === 0), 'no operation holds the pooled connection', { timeoutMs: 30_000 });
    // The connection still serves: the peer answers again, and the next listing reaches it.
    silent = false;
    const again = await api.terminal.listFiles({ serial }).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'E_TOO_LARGE' });
  });
});
