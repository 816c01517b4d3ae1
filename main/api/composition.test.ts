/**
 * The CLI's engine (openEngine) builds a domain's service on the first call that needs it, and
 * knows every job kind by name before its module loads: recover() closes a dead process's one-off
 * job without loading the fan-out code, and a job list loads the kinds it shows. The contract is
 * loaded per domain, each loader giving exactly the domain's map of the combined contract.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../engine';
import { silentLogger } from '../store/log';
import { memoryVault } from '../../tests/support/memory-vault';
import { tempDir } from '../../tests/support/temp-dir';
import { KINDS, openEngine, type Engine } from './composition';
import { contract, type Domain } from './contract';
import { DOMAINS, methodsOf } from './contract-loaders';

describe('the engine on first use', () => {
  const dirs: string[] = [];
  const engines: Engine[] = [];
  const cliEngine = (dir: string) => {
    const engine = openEngine({ dataDir: dir, host: 'cli', vault: memoryVault(), log: silentLogger, checkOutputs: true });
    engines.push(engine);
    return engine;
  };
  const fresh = () => {
    const dir = tempDir();
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const e of engines.splice(0)) e.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('builds only the services a call needs', async () => {
    const engine = cliEngine(fresh());
    expect(engine.built()).toEqual([]);
    const api = engine.client().api;
    expect((await api.inventory.listAppliances({})).total).toBe(0);
    expect(engine.built()).toEqual(['inventory']);
    // A service not built yet is not reachable by its getter: it must be asked for.
    expect(() => engine.rollouts).toThrow(/await engine.use\('rollouts'\)/);
    await api.capacity.sites({});
    // Capacity reads health; health is told of rollouts' planned reboots, so rollouts comes along.
    expect(new Set(engine.built())).toEqual(new Set(['inventory', 'net', 'health', 'capacity', 'jobs', 'firmware', 'rollouts']));
    expect(engine.built()).not.toContain('fills');
  });

  it('knows every job kind by name: recover() needs no kind module; a job list loads the kinds it shows', async () => {
    const dir = fresh();
    const setup = createEngine({ dataDir: dir, host: 'test', vault: memoryVault(), log: silentLogger });
    const at = new Date().toISOString();
    const exec = setup.jobs.repo.create('exec', 'test', { argv: ['uptime'], concurrency: 1, timeoutMs: null, acceptNew: false }, ['X1'], at, null);
    const steps = setup.jobs.repo.create('config-steps', 'test', { steps: [{ key: 'hostname', value: 'x' }], concurrency: 1 }, ['X1'], at, null, 'config-steps');
    // Left running by a process that is gone.
    setup.db.prepare('UPDATE jobs SET owner_pid = NULL').run();
    setup.close();

    const engine = cliEngine(dir);
    const jobs = await engine.use('jobs');
    expect(engine.built()).toEqual(['inventory', 'jobs']);
    // The one-off command is closed as interrupted, the resumable job waits for a host that resumes.
    expect(jobs.repo.job(exec)?.state).toBe('interrupted');
    expect(jobs.repo.job(steps)?.state).toBe('running');
    expect(engine.built()).not.toContain('fanout');

    const listed = await engine.client().api.jobs.list({});
    expect(listed.find((j) => j.id === steps)?.argv.length).toBeGreaterThan(0);
    expect(engine.built()).toContain('fanout');
  });

  it('every kind named in KINDS is registered by its service, with the afterCrash it is known by', async () => {
    const engine = cliEngine(fresh());
    const jobs = await engine.use('jobs');
    for (const [name, { service, afterCrash }] of Object.entries(KINDS)) {
      const kind = await jobs.kindNamed(name);
      expect(kind?.name, name).toBe(name);
      expect(kind?.afterCrash, name).toBe(afterCrash);
      expect(engine.built(), name).toContain(service);
    }
  });

  it('loads each domain of the contract on its own, exactly as the combined contract has it', async () => {
    expect([...DOMAINS].sort()).toEqual(Object.keys(contract).sort());
    for (const domain of DOMAINS) {
      const methods = await methodsOf(domain);
      const whole = contract[domain as Domain] as Record<string, unknown>;
      expect(Object.keys(methods).sort(), domain).toEqual(Object.keys(whole).sort());
      for (const [name, spec] of Object.entries(methods)) expect(spec, `${domain}.${name}`).toBe(whole[name]);
    }
  });
});
