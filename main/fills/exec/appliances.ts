/**
 * Fill execution's way to an appliance's HTTP API (main/net/appliance-http), through its bastion
 * when it sits behind one: read its cache (paged), post a fill, read a fill, read its metrics.
 */
import type { Agent } from 'node:http';
import { MAX_CACHE_PAGE, type CacheItem } from '../../appliance/contract';
import type { Appliance } from '../../inventory/contract';
import type { InventoryService } from '../../inventory/service';
import { FleetError } from '../../kit/errors';
import { callAppliance, type HttpEndpoint } from '../../net/appliance-http';
import type { NetService } from '../../net/service';

export interface FillRequestBody {
  manifestId: string;
  items: { contentId: string; bytes: number; source: string }[];
  evict: string[];
  outOfWindow?: boolean;
  maxGbps?: number;
}

export class ApplianceApi {
  constructor(
    private readonly inventory: Pick<InventoryService, 'appliance'>,
    private readonly net: Pick<NetService, 'jumpChains' | 'tunnels'>,
    private readonly timeoutMs = 15_000,
  ) {}

  private route(serial: string): { endpoint: HttpEndpoint; agent: Agent | undefined } {
    const a: Appliance = this.inventory.appliance(serial);
    const chain = this.net.jumpChains([a])[0] ?? [];
    if (chain instanceof FleetError) throw chain;
    const agent = chain.length > 0 ? this.net.tunnels().httpAgent(chain) : undefined;
    return { endpoint: { label: serial, host: a.ipv4 ?? a.ipv6 ?? '', port: a.apiPort, tls: null }, agent };
  }

  /** Everything the appliance holds (GET /v1/cache, page by page) and its used bytes. */
  async cache(serial: string, signal?: AbortSignal): Promise<{ items: CacheItem[]; usedBytes: number }> {
    const { endpoint, agent } = this.route(serial);
    const items: CacheItem[] = [];
    let usedBytes = 0;
    for (let offset = 0; ; ) {
      const page = await callAppliance(endpoint, 'GET /v1/cache', { query: { offset, limit: MAX_CACHE_PAGE }, timeoutMs: this.timeoutMs, signal, agent });
      usedBytes = page.totalBytes;
      items.push(...page.items);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
    }
    return { items, usedBytes };
  }

  async postFill(serial: string, body: FillRequestBody, signal?: AbortSignal) {
    const { endpoint, agent } = this.route(serial);
    return callAppliance(endpoint, 'POST /v1/fill', { body, timeoutMs: this.timeoutMs, signal, agent });
  }

  async fill(serial: string, id: string, signal?: AbortSignal) {
    const { endpoint, agent } = this.route(serial);
    return callAppliance(endpoint, 'GET /v1/fill/{id}', { params: { id }, timeoutMs: this.timeoutMs, signal, agent });
  }

  async metrics(serial: string, signal?: AbortSignal) {
    const { endpoint, agent } = this.route(serial);
    return callAppliance(endpoint, 'GET /v1/metrics', { timeoutMs: this.timeoutMs, signal, agent });
  }
}
