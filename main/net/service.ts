/**
 * The net domain: how Fleetdeck reaches appliances. SSH settings and the fleet key, jump hosts
 * and routes (per site or per appliance, ProxyJump chains), host-key trust and its alerts,
 * known_hosts and ssh_config import/export, and the SSH pools other services run commands with.
 */
import { userInfo } from 'node:os';
import type { z } from 'zod';
import { FleetError } from '../kit/errors';
import type { CallContext } from '../kit/context';
import type { DomainHandlers } from '../kit/contract';
import { APPLIANCE_LOGIN_USER } from '../appliance/contract';
import type { ServiceDeps } from '../deps';
import type { Setting } from '../settings/store';
import { ApplianceQuery, type Appliance } from '../inventory/contract';
import type { InventoryService } from '../inventory/service';
import { isoAt } from '../kit/time';
import {
  JumpHostInput,
  NetSettings,
  type JumpHost,
  type KnownHostsImportReport,
  type netMethods,
  type Route,
  type SshConfigImportReport,
  type netEvents,
} from './contract';
import { generateEd25519 } from '../keys/openssh-keygen';
import { fleetKeyInfo, generateFleetKey, importFleetKey, loadFleetCredential } from './fleet-key';
import { BASTION_PREFIX, HostKeyTrust } from './host-trust';
import type { HostKey } from '../keys/host-key';
import { formatKnownHosts, KnownHostsIndex, parseKnownHosts, type KnownHostLine } from './known-hosts';
import { NetRepo } from './repo';
import { SshPool, type SshAuth, type SshEndpoint, type SshRoute } from './ssh-pool';
import { sshAgentPath } from './ssh-agent';
import { SshTunnels } from './tunnel';
import { readSshConfig } from './ssh-config';

/** Hashed or wildcard known_hosts entries times appliance names, at most, in one import (an HMAC or a pattern match each). */
export const MAX_KNOWN_HOSTS_CHECKS = 5_000_000;

const DEFAULT_SETTINGS: NetSettings = {
  auth: 'fleet-key',
  username: APPLIANCE_LOGIN_USER,
  connectTimeoutMs: 15_000,
  commandTimeoutMs: 60_000,
};

/** ssh2's host key preference: the key an appliance will present when it has several. */
const HOST_KEY_PREFERENCE = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];

export type NetHandlers = DomainHandlers<typeof netMethods, CallContext>;

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');

export class NetService {
  readonly repo: NetRepo;
  private readonly stored: Setting<NetSettings>;
  readonly trust: HostKeyTrust;
  readonly handlers: NetHandlers;
  private readonly pools = new Set<SshPool>();
  private shared: SshPool | null = null;
  private tunnel: SshTunnels | null = null;

  constructor(
    private readonly deps: ServiceDeps<typeof netEvents>,
    private readonly inventory: InventoryService,
  ) {
    this.repo = new NetRepo(deps.db);
    this.stored = deps.settings.setting('net', 'settings', NetSettings, DEFAULT_SETTINGS);
    this.trust = new HostKeyTrust({ repo: this.repo, inventory, events: deps.events, clock: deps.clock, log: deps.log });
    this.handlers = {
      settings: () => this.settings(),
      updateSettings: (patch) => this.updateSettings(patch),
      fleetKey: () => fleetKeyInfo(deps.vault),
      generateFleetKey: async (input, ctx) => {
        const info = await generateFleetKey(deps.vault, input);
        this.resetSharedPool();
        deps.log.info('fleet key generated', { actor: ctx.actor, fingerprint: info.fingerprint });
        deps.events.emit('changed', { kind: 'fleet-key' });
        return info;
      },
      importFleetKey: async (input, ctx) => {
        const info = await importFleetKey(deps.vault, input);
        this.resetSharedPool();
        deps.log.info('fleet key imported', { actor: ctx.actor, fingerprint: info.fingerprint, type: info.type });
        deps.events.emit('changed', { kind: 'fleet-key' });
        return info;
      },
      listJumpHosts: () => ({ jumpHosts: this.repo.jumpHosts(), routes: this.repo.routes() }),
      upsertJumpHost: (input) => this.upsertJumpHost(input),
      deleteJumpHost: ({ name }) => this.deleteJumpHost(name),
      setRoute: ({ scope, key, jumpHost }) => this.setRoute(scope, key, jumpHost),
      importSshConfig: ({ content, dryRun }) => this.importSshConfig(content, dryRun),
      importKnownHosts: ({ content, dryRun }, ctx) => this.importKnownHosts(content, dryRun, ctx.actor),
      exportKnownHosts: ({ hashed }) => this.exportKnownHosts(hashed),
      trustHostKey: ({ serial, fingerprint }, ctx) => this.trustHostKey(serial, fingerprint, ctx.actor),
      hostKeyAlerts: ({ open }) => this.repo.alerts(open),
      resolveHostKeyAlert: ({ id, trustNewKey }, ctx) => this.resolveAlert(id, trustNewKey, ctx.actor),
    };
  }

  /** The fleet key's public half; made (and kept in the vault) when there is none yet (the lab asks for it). */
  async ensureFleetPublicKey(actor: string): Promise<string> {
    const existing = await fleetKeyInfo(this.deps.vault);
    if (existing) return existing.publicKey;
    const made = await importFleetKey(this.deps.vault, { privateKey: generateEd25519('fleetdeck').privateKey });
    this.resetSharedPool();
    this.deps.log.info('fleet key created', { actor, fingerprint: made.fingerprint });
    this.deps.events.emit('changed', { kind: 'fleet-key' });
    return made.publicKey;
  }

  // Settings

  settings(): NetSettings {
    return this.stored.get();
  }

  updateSettings(patch: Partial<NetSettings>): NetSettings {
    const next = this.stored.set({ ...this.settings(), ...patch });
    this.resetSharedPool();
    this.deps.events.emit('changed', { kind: 'settings' });
    return next;
  }

  // Pools and routes

  /**
   * The engine's long-lived pool (strict host-key checking): connections stay open between jobs
   * until idle, so a second sweep of the same appliances reuses them. Reset when settings or the
   * fleet key change.
   */
  sharedPool(): SshPool {
    this.shared ??= this.openPool({ actor: 'engine', acceptNew: false, maxConcurrent: 512 });
    return this.shared;
  }

  private resetSharedPool(): void {
    this.shared?.close();
    this.shared = null;
    this.tunnel?.close();
    this.tunnel = null;
  }

  /**
   * HTTP through jump hosts (main/net/tunnel.ts): channels over the shared pool's connection to
   * each bastion, so jobs and health sweeps through one bastion share one SSH connection (strict
   * host-key checking, kept across sweeps until idle). Reset with the pool.
   */
  tunnels(): SshTunnels {
    this.tunnel ??= new SshTunnels({ pool: () => this.sharedPool() });
    return this.tunnel;
  }

  /**
   * The jump chain (outermost bastion first) of each appliance's route, in order: [] for an
   * appliance reached directly, a FleetError when its route names a broken chain (health polling
   * over HTTP: each appliance's own outcome). Routes are read once for the whole list.
   */
  jumpChains(appliances: readonly Appliance[]): Array<readonly SshEndpoint[] | FleetError> {
    const route = this.router();
    return appliances.map((a) => {
      try {
        return route(a).via;
      } catch (err) {
        return err instanceof FleetError ? err : new FleetError('E_INTERNAL', String(err));
      }
    });
  }

  /** An SSH pool with this engine's credentials and host-key trust; close it when done. */
  openPool(options: { actor: string; acceptNew: boolean; maxConcurrent?: number }): SshPool {
    const settings = this.settings();
    const pool = new SshPool({
      auth: this.auth(settings),
      hostKeys: this.trust.policy(options),
      maxConcurrent: options.maxConcurrent ?? 64,
      connectTimeoutMs: settings.connectTimeoutMs,
      rng: this.deps.rng,
      log: this.deps.log,
    });
    this.pools.add(pool);
    const close = pool.close.bind(pool);
    pool.close = () => {
      this.pools.delete(pool);
      if (this.shared === pool) this.shared = null;
      close();
    };
    return pool;
  }

  /** Throws the reason no SSH login can work now (no fleet key, locked vault, no agent). */
  async checkCredentials(): Promise<void> {
    const auth = this.auth(this.settings());
    if (auth.kind === 'fleet-key') await auth.load();
  }

  private auth(settings: NetSettings): SshAuth {
    if (settings.auth === 'agent') {
      const socket = sshAgentPath(process.env, process.platform);
      if (!socket) throw new FleetError('E_AUTH', 'SSH agent authentication is chosen, but SSH_AUTH_SOCK is not set in the engine’s environment.');
      return { kind: 'agent', socket };
    }
    return { kind: 'fleet-key', load: () => loadFleetCredential(this.deps.vault) };
  }

  /** How to reach an appliance: its address, port and login, behind the jump chain of its route. */
  routeFor(appliance: Appliance, settings: NetSettings = this.settings()): SshRoute {
    return this.router(settings)(appliance);
  }

  /**
   * routeFor with the routes and jump chains read once: a job takes one when it starts (as it
   * reads the settings), instead of reading every route again for each appliance.
   */
  router(settings: NetSettings = this.settings()): (appliance: Appliance) => SshRoute {
    const routes = this.repo.routes();
    const byAppliance = new Map(routes.filter((r) => r.scope === 'appliance').map((r) => [r.key, r.jumpHost]));
    const bySite = new Map(routes.filter((r) => r.scope === 'site').map((r) => [r.key, r.jumpHost]));
    const chains = new Map<string, SshEndpoint[]>();
    return (appliance) => {
      const host = appliance.ipv4 ?? appliance.ipv6 ?? appliance.hostname;
      const target: SshEndpoint = { label: appliance.serial, host, port: appliance.sshPort, username: settings.username };
      const jumpHost = byAppliance.get(appliance.serial) ?? bySite.get(appliance.site);
      if (jumpHost === undefined) return { target, via: [] };
      let via = chains.get(jumpHost);
      // A broken chain throws for each appliance behind it (and is not kept).
      if (!via) chains.set(jumpHost, (via = this.jumpChain(jumpHost)));
      return { target, via };
    };
  }

  /** Endpoints from the outermost bastion to the named one. */
  jumpChain(name: string): SshEndpoint[] {
    const chain: SshEndpoint[] = [];
    const seen = new Set<string>();
    let current: string | null = name;
    while (current !== null) {
      if (seen.has(current)) throw new FleetError('E_VALIDATION', `The jump hosts ${[...seen].join(' -> ')} form a loop.`);
      seen.add(current);
      const jump = this.repo.jumpHost(current);
      if (!jump) throw new FleetError('E_NOT_FOUND', `There is no jump host named ${current}.`);
      chain.unshift({ label: `${BASTION_PREFIX}${jump.name}`, host: jump.host, port: jump.port, username: jump.username });
      current = jump.via;
    }
    return chain;
  }

  close(): void {
    for (const pool of [...this.pools]) pool.close();
    this.tunnel?.close();
    this.tunnel = null;
  }

  // Jump hosts

  upsertJumpHost(raw: JumpHostInput): JumpHost {
    const input = JumpHostInput.parse(raw);
    const jump: JumpHost = { ...input };
    this.repo.transaction(() => {
      // A bastion's trusted key, like an appliance's, changes only through the trust flow (its
      // host-key alert): an edit that leaves the key out keeps it, one that names another is refused.
      const trusted = this.repo.jumpHost(jump.name)?.hostKeyFingerprint ?? null;
      if (trusted !== null) {
        if (jump.hostKeyFingerprint === null) jump.hostKeyFingerprint = trusted;
        else if (jump.hostKeyFingerprint !== trusted) {
          throw new FleetError(
            'E_CONFLICT',
            `The jump host ${jump.name} has the trusted host key ${trusted}; an edit does not replace it. If the bastion was re-installed, connect through it and resolve the host-key alert that raises.`,
          );
        }
      }
      if (jump.via !== null) {
        if (!this.repo.jumpHost(jump.via)) throw new FleetError('E_VALIDATION', `The jump host ${jump.via} (via) does not exist; add it first.`);
      }
      this.repo.upsertJumpHost(jump, isoAt(this.deps.clock));
      this.jumpChain(jump.name); // refuses a loop, rolling back
    });
    this.deps.events.emit('changed', { kind: 'jump-hosts' });
    return this.repo.jumpHost(jump.name)!;
  }

  deleteJumpHost(name: string): { deleted: boolean } {
    const dependants = this.repo.jumpHostsVia(name);
    if (dependants.length) {
      throw new FleetError('E_CONFLICT', `${dependants.join(', ')} ${dependants.length === 1 ? 'is' : 'are'} reached through ${name}; change or remove them first.`);
    }
    const deleted = this.repo.deleteJumpHost(name);
    if (deleted) this.deps.events.emit('changed', { kind: 'jump-hosts' });
    return { deleted };
  }

  setRoute(scope: Route['scope'], key: string, jumpHost: string | null): { routes: Route[] } {
    if (jumpHost !== null && !this.repo.jumpHost(jumpHost)) throw new FleetError('E_NOT_FOUND', `There is no jump host named ${jumpHost}.`);
    if (scope === 'appliance') this.inventory.getAppliance(key);
    else this.inventory.getSite(key);
    this.repo.setRoute(scope, key, jumpHost);
    this.deps.events.emit('changed', { kind: 'jump-hosts' });
    return { routes: this.repo.routes() };
  }

  // Host keys

  trustHostKey(serial: string, fingerprint: string, actor: string): { serial: string; fingerprint: string } {
    const current = this.inventory.getAppliance(serial).appliance.hostKeyFingerprint;
    if (current !== null && current !== fingerprint) {
      throw new FleetError(
        'E_CONFLICT',
        `${serial} already has the trusted key ${current}. A different key is a mismatch: resolve its host-key alert instead.`,
      );
    }
    this.trust.record(serial, fingerprint, actor, 'first-contact');
    this.deps.events.emit('changed', { kind: 'host-keys' });
    return { serial, fingerprint };
  }

  resolveAlert(id: number, trustNewKey: boolean, actor: string) {
    const alert = this.repo.alert(id);
    if (!alert) throw new FleetError('E_NOT_FOUND', `There is no host-key alert ${id}.`);
    if (alert.resolvedAt) throw new FleetError('E_CONFLICT', `Alert ${id} was already resolved by ${alert.resolvedBy} at ${alert.resolvedAt}.`);
    const at = isoAt(this.deps.clock);
    const t = alert.target.startsWith(BASTION_PREFIX) ? alert.target : alert.target.replace(/^appliance:/, '');
    this.repo.transaction(() => {
      if (trustNewKey) {
        this.trust.record(t, alert.presented, actor, 'alert-resolved');
        this.repo.resolveAlertsOf(alert.target, actor, at);
      } else {
        this.repo.resolveAlert(id, 'dismissed', actor, at);
      }
    });
    this.deps.log.warn('host-key alert resolved', { id, target: alert.target, trustNewKey, actor });
    this.deps.events.emit('changed', { kind: 'host-keys' });
    return this.repo.alert(id)!;
  }

  private allAppliances(): Appliance[] {
    const out: Appliance[] = [];
    for (let offset = 0; ; offset += 20_000) {
      const page = this.inventory.listAppliances(ApplianceQuery.parse({ offset, limit: 20_000 }));
      out.push(...page.items);
      if (out.length >= page.total || page.items.length === 0) return out;
    }
  }

  /**
   * Matching is bounded: entries that name hosts literally are found by name; hashed and wildcard
   * entries are tried against every name of every appliance, and when that is more than
   * MAX_KNOWN_HOSTS_CHECKS the file is refused up front. The engine answers other windows while
   * an import matches (it yields between slices of appliances).
   */
  async importKnownHosts(content: string, dryRun: boolean, actor: string): Promise<KnownHostsImportReport> {
    const { entries, problems } = parseKnownHosts(content);
    const report: KnownHostsImportReport = { dryRun, entries: entries.length, recorded: [], matching: [], conflicts: [], problems };
    const index = new KnownHostsIndex(entries);
    const appliances = this.allAppliances();
    const names = appliances.reduce((n, a) => n + [a.hostname, a.ipv4, a.ipv6].filter(Boolean).length, 0);
    if (index.scanned * names > MAX_KNOWN_HOSTS_CHECKS) {
      throw new FleetError(
        'E_IMPORT',
        `This known_hosts file has ${index.scanned} hashed or wildcard entries; each must be tried against all ${names} names of the inventory's appliances, ` +
          `more than one import does (${MAX_KNOWN_HOSTS_CHECKS.toLocaleString('en')} checks). Import a file with only the fleet's entries (ssh-keygen -F HOST -f FILE finds them), or one with plain host names.`,
      );
    }
    const toRecord: Array<{ serial: string; key: HostKey }> = [];
    let slice = Date.now();
    for (const a of appliances) {
      if (Date.now() - slice > 20) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = Date.now();
      }
      const names = [a.hostname, a.ipv4, a.ipv6].filter((n): n is string => !!n);
      const found = new Map<string, HostKey>();
      const revoked = new Set<string>();
      for (const name of names) {
        const r = index.lookup(name, a.sshPort);
        r.keys.forEach((k) => found.set(k.fingerprint, k));
        r.revoked.forEach((k) => revoked.add(k.fingerprint));
      }
      for (const fp of revoked) found.delete(fp);
      if (found.size === 0) continue;
      const keys = [...found.values()];
      if (a.hostKeyFingerprint) {
        if (found.has(a.hostKeyFingerprint)) report.matching.push(a.serial);
        else report.conflicts.push({ serial: a.serial, inventory: a.hostKeyFingerprint, file: keys.map((k) => k.fingerprint) });
        continue;
      }
      const rank = (t: string) => (HOST_KEY_PREFERENCE.indexOf(t) + 1 || 99);
      const chosen = keys.sort((x, y) => rank(x.type) - rank(y.type))[0]!;
      report.recorded.push({ serial: a.serial, fingerprint: chosen.fingerprint });
      toRecord.push({ serial: a.serial, key: chosen });
    }
    if (!dryRun && toRecord.length) {
      const at = isoAt(this.deps.clock);
      this.repo.transaction(() => {
        for (const { serial, key } of toRecord) {
          this.repo.rememberHostKey(`appliance:${serial}`, key, at);
          this.trust.record(serial, key.fingerprint, actor, 'known-hosts');
        }
      });
      this.deps.events.emit('changed', { kind: 'host-keys' });
    }
    return report;
  }

  exportKnownHosts(hashed: boolean): { content: string; entries: number; missingKeys: string[] } {
    const lines: KnownHostLine[] = [];
    const missingKeys: string[] = [];
    for (const a of this.allAppliances()) {
      if (!a.hostKeyFingerprint) continue;
      const key = this.repo.hostKey(`appliance:${a.serial}`, a.hostKeyFingerprint);
      if (!key) {
        missingKeys.push(a.serial);
        continue;
      }
      lines.push({ hosts: [a.hostname, a.ipv4, a.ipv6].filter((n): n is string => !!n), port: a.sshPort, key, comment: a.serial });
    }
    for (const j of this.repo.jumpHosts()) {
      if (!j.hostKeyFingerprint) continue;
      const key = this.repo.hostKey(`${BASTION_PREFIX}${j.name}`, j.hostKeyFingerprint);
      if (!key) missingKeys.push(`${BASTION_PREFIX}${j.name}`);
      else lines.push({ hosts: [j.host], port: j.port, key, comment: `${BASTION_PREFIX}${j.name}` });
    }
    return { content: formatKnownHosts(lines, { hashed }), entries: lines.length, missingKeys };
  }

  // ssh_config

  importSshConfig(content: string, dryRun: boolean): SshConfigImportReport {
    const config = readSshConfig(content);
    const report: SshConfigImportReport = { dryRun, jumpHosts: [], routes: [], skipped: [...config.skipped] };
    const aliases = new Set(config.aliases);
    const localUser = userInfo().username;
    const jumpHosts = new Map<string, JumpHost>();
    /** Jump hosts that fail the jump-host form's checks: the import stops with every one of them. */
    const invalid: Array<{ host: string; line: number; reason: string }> = [];
    /** The Host block being read, whose ProxyJump names the hops that are not aliases themselves. */
    let reading = '';
    const computed = (alias: string) => {
      const c = config.settingsFor(alias);
      return { host: c.host ?? alias, port: c.port ?? '22', user: c.user ?? localUser, proxyJump: c.proxyJump ?? null };
    };
    /** The jump host for one ProxyJump hop, `alias` or `[user@]host[:port]`, reached via `via`. */
    const hop = (spec: string, via: string | null): string => {
      let name: string;
      let host: string;
      let port: string;
      let user: string;
      if (aliases.has(spec)) {
        ({ host, port, user } = computed(spec));
        name = spec;
      } else {
        const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::([^:]+))?$/.exec(spec);
        if (!m) throw new FleetError('E_IMPORT', `ProxyJump hop "${spec.slice(0, 80)}" is not [user@]host[:port].`);
        user = m[1] ?? localUser;
        host = m[2]!.replace(/^\[|\]$/g, '');
        port = m[3] ?? '22';
        name = spec.replace(/[^A-Za-z0-9._@:-]/g, '-').slice(0, 64);
      }
      const previous = jumpHosts.get(name);
      // The same checks as the jump-host form: a name, a host name or address (no shell characters,
      // nothing that starts with "-"), a port 1-65535, a login user.
      const checked = JumpHostInput.safeParse({
        name,
        host,
        port: /^\d{1,5}$/.test(port) ? Number(port) : port,
        username: user,
        via: previous?.via ?? via,
        hostKeyFingerprint: this.repo.jumpHost(name)?.hostKeyFingerprint ?? null,
      });
      if (!checked.success) {
        invalid.push({ host: spec.slice(0, 80), line: config.lineOf(aliases.has(spec) ? spec : reading), reason: describeIssues(checked.error) });
        return name;
      }
      jumpHosts.set(name, { ...checked.data });
      return name;
    };
    const chainOf = (proxyJump: string | null): string | null => {
      if (!proxyJump || proxyJump.toLowerCase() === 'none') return null;
      let via: string | null = null;
      for (const spec of proxyJump.split(',').map((s) => s.trim()).filter(Boolean)) via = hop(spec, via);
      return via;
    };
    // Every name an appliance goes by, found in one step (not a scan of the inventory per host).
    const byName = new Map<string, Appliance>();
    for (const a of this.allAppliances()) {
      for (const n of [a.serial, a.hostname, a.ipv4, a.ipv6]) if (n && !byName.has(n)) byName.set(n, a);
    }
    const routes: Route[] = [];
    for (const alias of config.aliases) {
      reading = alias;
      const c = computed(alias);
      const appliance = byName.get(alias) ?? byName.get(c.host);
      const last = chainOf(c.proxyJump);
      if (appliance) {
        if (last) routes.push({ scope: 'appliance', key: appliance.serial, jumpHost: last });
        else report.skipped.push({ host: alias, reason: `appliance ${appliance.serial}, reached directly (no ProxyJump)` });
      } else {
        hop(alias, last);
      }
    }
    if (invalid.length) {
      throw new FleetError(
        'E_IMPORT',
        `${invalid.length} jump host${invalid.length === 1 ? '' : 's'} in this ssh_config ${invalid.length === 1 ? 'does' : 'do'} not pass the jump-host checks; nothing was imported: ` +
          invalid
            .slice(0, 5)
            .map((i) => `line ${i.line}, ${i.host}: ${i.reason}`)
            .join('; ') + (invalid.length > 5 ? '; ...' : '.'),
        { errors: invalid.slice(0, 100).map((i) => ({ line: i.line, field: i.host, reason: i.reason })) },
      );
    }
    report.jumpHosts = [...jumpHosts.values()];
    report.routes = routes;
    if (!dryRun) {
      this.repo.transaction(() => {
        const at = isoAt(this.deps.clock);
        // Parents first, so every `via` exists when its child is written.
        const pending = [...jumpHosts.values()];
        while (pending.length) {
          const i = pending.findIndex((j) => j.via === null || !pending.some((p) => p.name === j.via));
          if (i < 0) throw new FleetError('E_IMPORT', 'The ProxyJump chains in this file form a loop.');
          this.repo.upsertJumpHost(pending.splice(i, 1)[0]!, at);
        }
        for (const r of routes) this.repo.setRoute(r.scope, r.key, r.jumpHost);
      });
      this.deps.events.emit('changed', { kind: 'jump-hosts' });
    }
    return report;
  }
}
