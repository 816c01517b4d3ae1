/**
 * Password rotation survives kill -9. A child process runs an engine that provisions a
 * factory-fresh lab site (living in this process) with `--rotate-password`; the test kills it
 * with SIGKILL at the moments that matter and at random ones, and starts it again until the job
 * ends by itself:
 *
 *   - the moment an appliance takes its new password (the engine never sees the reply), once per
 *     appliance: the appliance has a password the engine was not told it took;
 *   - the moment a rotation shows up pending in the vault (journaled, maybe not sent yet), once
 *     per appliance (this one is polled, so it may land a little later);
 *   - random points of the first lives (start-up, reconcile, any step).
 *
 * Then, from the APPLIANCES' own state and the vault: every appliance took a new password exactly
 * once, the vault's login password for it logs in (and is the one it took) while the factory one
 * does not, no rotation is left pending, each rotation is audited once, no password is in SQLite
 * or the log, and the SQLite file passes integrity_check.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../engine';
import { verifyPassword } from '../appliance/password-hash';
import { addFactorySite, type FactorySurvey } from '../lab/factory-site';
import { LabFleet } from '../lab/fleet';
import { seededRng } from '../kit/time';
import { DB_FILE } from '../store/db';
import { openNodeVault } from '../vault/node-vault';
import { integrityCheck, KILL9_SEED as SEED, live, type Life } from '../../tests/support/kill9';
import { passwordLogsIn } from '../../tests/support/password-login';
import { tempDir } from '../../tests/support/temp-dir';
import { loginPasswordName, pendingPasswordName } from './service';

const SITE = 'kpw1';
const APPLIANCES = 4;
/** The first lives are also killed at a random point (seeded); the triggers below kill at chosen ones. */
const RANDOM_LIVES = 4;

describe('password rotation under kill -9', () => {
  let dir = '';
  let dataDir = '';
  let fleet: LabFleet;
  let survey: FactorySurvey;
  beforeAll(async () => {
    dir = tempDir('fleetdeck-prov-kill9-');
    // Speed 60: each BGP session settles in a sixth of a second.
    fleet = await LabFleet.start({ dir: join(dir, 'lab'), appliances: 1, sites: 1, seed: 1, speed: 60, authorizedKeys: '' });
    survey = await addFactorySite(fleet, { code: SITE, appliances: APPLIANCES });
    dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }) });
    try {
      await engine.client({ actor: 'test:kill9' }).api.provisioning.importSurvey({ content: JSON.stringify(survey), fileName: `${SITE}.json` });
    } finally {
      engine.close(); // the children own the data dir from here
    }
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`every appliance ends with a password the vault holds, set once, across SIGKILLs at the rotation (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const serials = survey.appliances.map((a) => String(a['serial']));
    const vaultFile = (name: string) => join(dataDir, 'vault', `${name}.plain`);

    // The appliances' side: every password hash each one is given, and a kill the moment it takes
    // its first (the engine then never sees the reply).
    let killNow: (() => void) | null = null;
    const given = new Map<string, string[]>(serials.map((s) => [s, []]));
    const killedAsTaken = new Set<string>();
    for (const serial of serials) {
      const access = fleet.appliance(serial)!.state.access!;
      let hash = access.passwordHash ?? null;
      Object.defineProperty(access, 'passwordHash', {
        configurable: true,
        enumerable: true,
        get: () => hash,
        set: (value: string | null) => {
          hash = value;
          if (value) given.get(serial)!.push(value);
          if (killNow && !killedAsTaken.has(serial)) {
            killedAsTaken.add(serial);
            killNow();
          }
        },
      });
    }
    // The engine's side: a kill when a rotation shows up pending in the vault.
    const killedPending = new Set<string>();
    const poll = setInterval(() => {
      if (!killNow) return;
      const pending = serials.find((s) => !killedPending.has(s) && existsSync(vaultFile(pendingPasswordName(s))));
      if (pending) {
        killedPending.add(pending);
        killNow();
      }
    }, 2);

    const rng = seededRng(SEED);
    let kills = 0;
    let killsWithPending = 0;
    let final: Life | null = null;
    try {
      for (let lives = 1; lives <= 2 * APPLIANCES + RANDOM_LIVES + 5 && !final; lives++) {
        const delay = lives <= RANDOM_LIVES ? Math.floor(rng.next() * 3000) : null;
        const life = await live({ program: 'tests/support/provisioning-kill9-engine.ts', args: [dataDir, SITE], lifeTimeoutMs: 180_000 }, delay, (kill) => {
          killNow = kill;
          return () => (killNow = null);
        });
        if (!life.killed) final = life;
        else {
          kills++;
          if (serials.some((s) => existsSync(vaultFile(pendingPasswordName(s))))) killsWithPending++;
        }
      }
    } finally {
      clearInterval(poll);
      killNow = null;
    }
    console.log(
      `provisioning kill9: ${APPLIANCES} appliances rotated after ${kills} SIGKILLs (seed ${SEED}); ${killedAsTaken.size} killed as the appliance took its password, ` +
        `${killedPending.size} as a rotation was pending, ${killsWithPending} left a rotation pending in the vault`,
    );
    expect(final, 'the job never completed').not.toBeNull();
    expect(final!.code, `${final!.stdout}\n${final!.stderr}`).toBe(0);
    expect(final!.stdout).toContain('"state":"done"');
    // The kill that matters most happened: an appliance took a password whose reply the engine never saw.
    expect(killedAsTaken.size).toBeGreaterThanOrEqual(1);

    const vault = await openNodeVault(dataDir, { env: {} });
    const passwords: string[] = [];
    for (const [i, serial] of serials.entries()) {
      const port = Number(survey.appliances[i]!['sshPort']);
      // Given a new password exactly once, and it is the one the vault holds.
      expect(given.get(serial), `passwords given to ${serial}`).toHaveLength(1);
      const password = (await vault.get(loginPasswordName(serial)))?.toString('utf8');
      expect(password, `${serial}'s login password in the vault`).toMatch(/^[A-Za-z0-9_-]{32}$/);
      passwords.push(password!);
      expect(verifyPassword(given.get(serial)![0]!, password!)).toBe(true);
      expect(await vault.get(pendingPasswordName(serial))).toBeNull();
      expect(await passwordLogsIn(port, password!)).toBe(true);
      expect(await passwordLogsIn(port, String(survey.appliances[i]!['factoryPassword']))).toBe(false);
      expect(fleet.appliance(serial)!.status().serving).toBe('serving');
    }

    expect(integrityCheck(dataDir)).toBe('ok');
    const db = new Database(join(dataDir, DB_FILE), { readonly: true });
    try {
      const audited = db.prepare("SELECT target, COUNT(*) AS n FROM audit_log WHERE action = 'provisioning.password-rotated' GROUP BY target ORDER BY target").all();
      expect(audited).toEqual(serials.map((s) => ({ target: `appliance:${s}`, n: 1 })).sort((a, b) => a.target.localeCompare(b.target)));
      const states = db.prepare('SELECT state, COUNT(*) AS n FROM provisioning_appliances GROUP BY state').all();
      expect(states).toEqual([{ state: 'done', n: APPLIANCES }]);
    } finally {
      db.close();
    }
    // No password outside the vault: not in the database, its WAL or the engine's log.
    const files = readdirSync(dataDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !join(e.parentPath, e.name).startsWith(join(dataDir, 'vault')))
      .map((e) => join(e.parentPath, e.name));
    expect(files.some((f) => f.endsWith('kill9.log'))).toBe(true);
    for (const file of files) {
      const text = readFileSync(file).toString('latin1');
      for (const p of passwords) expect(text.includes(p), `a rotated password found in ${file}`).toBe(false);
    }
  });
});
