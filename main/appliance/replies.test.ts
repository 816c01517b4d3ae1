import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FleetError } from '../kit/errors';
import { HealthReply, MAX_REPLY_BYTES, worstHealth } from './contract';
import { buildFirmwareImage, inspectFirmwareImage } from './image';
import { ApplianceReplyError, parseHttpReply, parseOcactlReply } from './replies';

const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-appliance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
};

describe('reading ocactl replies', () => {
  const commit = { api: 1, ok: true, command: 'firmware commit', result: { committed: 'B', version: '26.2.0' } };

  it('returns the typed result of a good reply', () => {
    expect(parseOcactlReply('firmware commit', JSON.stringify(commit) + '\n')).toEqual({ committed: 'B', version: '26.2.0' });
  });

  it('turns an error envelope into ApplianceReplyError with the appliance code', () => {
    const err = thrown(() =>
      parseOcactlReply('firmware commit', JSON.stringify({ api: 1, ok: false, command: 'firmware commit', error: { code: 'E_STATE', message: 'Nothing to commit.' } })),
    );
    expect(err).toBeInstanceOf(ApplianceReplyError);
    expect(err).toMatchObject({ code: 'E_STATE', message: 'Nothing to commit.' });
  });

  it('refuses malformed JSON, wrong shapes, another command and a newer API version', () => {
    for (const text of [
      '{"api":1,"ok":tr',
      JSON.stringify({ ...commit, result: { committed: 'C', version: '1' } }),
      JSON.stringify({ ...commit, command: 'status' }),
      JSON.stringify({ ...commit, api: 2 }),
      JSON.stringify({ api: 1, ok: false, command: 'x', error: { code: 'E_WHATEVER', message: 'm' } }),
    ]) {
      const err = thrown(() => parseOcactlReply('firmware commit', text));
      expect(err, text).toBeInstanceOf(FleetError);
      expect((err as FleetError).code).toBe('E_BAD_REPLY');
    }
  });

  it('refuses an oversized reply before parsing it', () => {
    const big = JSON.stringify({ ...commit, padding: 'x'.repeat(MAX_REPLY_BYTES) });
    expect(thrown(() => parseOcactlReply('firmware commit', big))).toMatchObject({ code: 'E_TOO_LARGE' });
  });
});

describe('reading HTTP replies', () => {
  const health = {
    serial: 'S1',
    status: 'Warning',
    checkedAt: '2026-05-01T00:00:00.000Z',
    components: [
      { name: 'disk', status: 'Warning', message: 'Disk 92% full.' },
      { name: 'bgp', status: 'OK', message: 'Established.' },
    ],
  };

  it('validates a 2xx body against the route schema', () => {
    expect(parseHttpReply('GET /v1/health', 200, JSON.stringify(health)).status).toBe('Warning');
  });

  it('requires the overall status to be the worst component', () => {
    expect(HealthReply.safeParse({ ...health, status: 'OK' }).success).toBe(false);
    expect(thrown(() => parseHttpReply('GET /v1/health', 200, JSON.stringify({ ...health, status: 'OK' })))).toMatchObject({ code: 'E_BAD_REPLY' });
    expect(worstHealth(['OK', 'Unknown'])).toBe('Unknown');
    expect(worstHealth(['Unknown', 'Warning', 'OK'])).toBe('Warning');
    expect(worstHealth(['Warning', 'Error'])).toBe('Error');
    expect(worstHealth([])).toBe('OK');
  });

  it('reads error bodies and refuses errors without one', () => {
    expect(thrown(() => parseHttpReply('POST /v1/fill', 507, JSON.stringify({ error: { code: 'E_NO_SPACE', message: 'Full.' } })))).toMatchObject({
      code: 'E_NO_SPACE',
      httpStatus: 507,
    });
    expect(thrown(() => parseHttpReply('POST /v1/fill', 500, 'Internal Server Error'))).toMatchObject({ code: 'E_BAD_REPLY' });
    expect(thrown(() => parseHttpReply('POST /v1/fill', 500, '{"oops":true}'))).toMatchObject({ code: 'E_BAD_REPLY' });
  });
});

describe('firmware images', () => {
  it('an intact image is valid; truncated and corrupted ones say why not', async () => {
    const image = buildFirmwareImage('26.2.0', Buffer.alloc(300_000, 9));
    const good = join(dir, 'good.img');
    writeFileSync(good, image);
    expect(await inspectFirmwareImage(good)).toMatchObject({ valid: true, version: '26.2.0', bytes: image.length, problems: [] });

    const short = join(dir, 'short.img');
    writeFileSync(short, image.subarray(0, image.length - 10));
    expect((await inspectFirmwareImage(short)).problems[0]).toMatch(/incomplete upload/);

    const flipped = Buffer.from(image);
    flipped[image.length - 5] = flipped[image.length - 5]! ^ 1;
    const bad = join(dir, 'bad.img');
    writeFileSync(bad, flipped);
    expect((await inspectFirmwareImage(bad)).problems[0]).toMatch(/corrupted/);

    const junk = join(dir, 'junk.img');
    writeFileSync(junk, 'hello');
    expect(await inspectFirmwareImage(junk)).toMatchObject({ valid: false, version: null });
  });
});
