/**
 * Configuration and BGP: the config keys (hostname, interfaces, the BGP session), the session's
 * state, and serving through it: drain withdraws the service routes and serving winds down.
 */
import { isIP } from 'node:net';
import type { ApplianceConfig, BgpStatusReply, ConfigSetReply, DrainReply } from '../../appliance/contract';
import { Subsystem, type ApplianceCore } from './core';
import { ApplianceError } from './errors';
import type { FirmwareAndBoot } from './firmware';
import { BGP_SETTLE_MS, DRAIN_MS, iso, round } from './state';
import { demandShare } from './traffic';

export class ConfigAndBgp extends Subsystem {
  constructor(
    core: ApplianceCore,
    private readonly firmware: FirmwareAndBoot,
  ) {
    super(core);
  }

  /** A drain that has run its course is drained. */
  settleDrain(now: number): void {
    const s = this.state;
    if (s.serving === 'draining' && s.drainStartedAt !== null && now >= s.drainStartedAt + DRAIN_MS) {
      s.serving = 'drained';
      this.log(s.drainStartedAt + DRAIN_MS, 'info', 'serving', 'drained: serving reached zero');
    }
  }

  private drainReply(now: number): DrainReply {
    const s = this.state;
    return {
      serving: s.serving,
      servingGbps: this.servingGbps(now),
      drainedBy: s.serving === 'draining' && s.drainStartedAt !== null ? iso(s.drainStartedAt + DRAIN_MS) : null,
    };
  }

  drain(): DrainReply {
    const now = this.advance();
    const s = this.state;
    if (s.serving === 'serving') {
      s.serving = 'draining';
      s.drainStartedAt = now;
      this.log(now, 'info', 'serving', 'drain started: BGP service routes withdrawn, serving winds down');
    }
    return this.drainReply(now);
  }

  undrain(): DrainReply {
    const now = this.advance();
    const s = this.state;
    if (s.serving !== 'serving') {
      s.serving = 'serving';
      s.drainStartedAt = null;
      this.log(now, 'info', 'serving', 'undrained: service routes announced again');
    }
    return this.drainReply(now);
  }

  bgpState(now: number): BgpStatusReply['state'] {
    // No neighbor configured (a factory-fresh appliance): no session at all.
    if (this.hasFault('bgp-down') || this.state.config.bgp.neighbor.address === '') return 'Idle';
    return now - this.state.bgpChangedAt < BGP_SETTLE_MS ? 'Active' : 'Established';
  }

  /** Client demand steered to this appliance now (Gbps): the daily curve, a drain, a failed disk. */
  demandGbps(now = this.advance()): number {
    const s = this.state;
    if (s.downUntil !== null || s.serving === 'drained' || !this.firmware.runningHealthy()) return 0;
    if (this.bgpState(now) !== 'Established') return 0;
    let gbps = s.peakGbps * demandShare(s.timezone, s.seed, now);
    if (s.serving === 'draining' && s.drainStartedAt !== null) gbps *= Math.max(0, 1 - (now - s.drainStartedAt) / DRAIN_MS);
    if (this.hasFault('disk-failure')) gbps *= 0.5;
    return gbps;
  }

  /** What it serves from its cache (Gbps): in a lab site, the demand it holds content for (site-serving.ts). */
  servingGbps(now = this.advance()): number {
    const hit = this.core.site?.hitRatio(this.state.serial, now) ?? null;
    return round(this.demandGbps(now) * (hit ?? 1));
  }

  configGet(): ApplianceConfig {
    this.advance();
    return structuredClone(this.state.config);
  }

  configSet(assignments: readonly string[]): ConfigSetReply {
    const now = this.advance();
    const s = this.state;
    if (assignments.length === 0) throw new ApplianceError('E_USAGE', 'config set needs at least one key=value.');
    const next = structuredClone(s.config);
    const changed: string[] = [];
    for (const word of assignments) {
      const eq = word.indexOf('=');
      if (eq <= 0) throw new ApplianceError('E_USAGE', `"${word}" is not key=value.`);
      const key = word.slice(0, eq);
      const value = word.slice(eq + 1);
      this.applyConfig(next, key, value);
      changed.push(key);
    }
    const bgpChanged = JSON.stringify(next.bgp) !== JSON.stringify(s.config.bgp);
    if (bgpChanged && s.serving !== 'drained') {
      throw new ApplianceError('E_STATE', 'Drain the appliance (and wait until it is drained) before changing its BGP session.');
    }
    s.config = next;
    if (bgpChanged) s.bgpChangedAt = now;
    this.log(now, 'info', 'config', `changed ${changed.join(', ')}`);
    return { config: structuredClone(next), changed };
  }

  private applyConfig(config: ApplianceConfig, key: string, value: string): void {
    const asn = () => {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 1 || n > 4294967295) throw new ApplianceError('E_USAGE', `${key} must be an ASN (1-4294967295).`);
      return n;
    };
    if (key === 'hostname') {
      if (!/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(value)) {
        throw new ApplianceError('E_USAGE', `"${value}" is not a valid hostname.`);
      }
      config.hostname = value;
      return;
    }
    if (key === 'bgp.asn') return void (config.bgp.localAsn = asn());
    if (key === 'bgp.neighbor-asn') return void (config.bgp.neighbor.asn = asn());
    if (key === 'bgp.neighbor') {
      if (!isIP(value)) throw new ApplianceError('E_USAGE', `bgp.neighbor must be an IP address, not "${value}".`);
      config.bgp.neighbor.address = value;
      return;
    }
    const m = /^interface\.([A-Za-z0-9_.-]+)\.(mtu|ipv4|ipv6|up)$/.exec(key);
    if (!m) throw new ApplianceError('E_NOT_FOUND', `Unknown config key "${key}".`);
    const iface = config.interfaces.find((i) => i.name === m[1]);
    if (!iface) throw new ApplianceError('E_NOT_FOUND', `There is no interface "${m[1]}".`);
    switch (m[2]) {
      case 'mtu': {
        const mtu = Number(value);
        if (!/^\d+$/.test(value) || mtu < 576 || mtu > 9216) throw new ApplianceError('E_USAGE', 'mtu must be 576-9216.');
        iface.mtu = mtu;
        return;
      }
      case 'ipv4':
        if (value !== '' && isIP(value.split('/')[0]!) !== 4) throw new ApplianceError('E_USAGE', `"${value}" is not an IPv4 address.`);
        iface.ipv4 = value === '' ? null : value;
        return;
      case 'ipv6':
        if (value !== '' && isIP(value.split('/')[0]!) !== 6) throw new ApplianceError('E_USAGE', `"${value}" is not an IPv6 address.`);
        iface.ipv6 = value === '' ? null : value;
        return;
      default:
        if (value !== 'true' && value !== 'false') throw new ApplianceError('E_USAGE', 'up must be true or false.');
        iface.up = value === 'true';
    }
  }

  bgpStatus(): BgpStatusReply {
    const now = this.advance();
    const s = this.state;
    const state = this.bgpState(now);
    const up = state === 'Established';
    return {
      state,
      localAsn: s.config.bgp.localAsn,
      neighbor: s.config.bgp.neighbor.address,
      peerAsn: s.config.bgp.neighbor.asn,
      uptimeSeconds: Math.max(0, Math.floor((now - s.bgpChangedAt) / 1000)),
      prefixesReceived: up ? 120 + (s.seed % 800) : 0,
      prefixesAdvertised: up && s.serving !== 'drained' && this.firmware.runningHealthy() ? 2 : 0,
      lastError: this.hasFault('bgp-down') ? 'Hold timer expired' : null,
    };
  }
}
