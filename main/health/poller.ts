/**
 * One poll of one appliance (GET /v1/health, then GET /v1/metrics, through the appliance HTTP
 * client, so every reply is size-limited and validated) and a sweep over many with bounded
 * concurrency. A failure is that appliance's outcome; the sweep goes on.
 */
import type { Agent } from 'node:http';
import { FleetError } from '../kit/errors';
import type { HealthReply, MetricsReply } from '../appliance/contract';
import { ApplianceReplyError } from '../appliance/replies';
import { callAppliance, type HttpEndpoint } from '../net/appliance-http';
import type { ErrorInfo, PollOutcome } from './assess';

export interface PollTarget {
  serial: string;
  host: string;
  port: number;
}

export interface PollOptions {
  timeoutMs: number;
  agent: Agent;
  signal: AbortSignal;
  /** The engine clock's ISO time, taken when the answer arrives. */
  now: () => string;
}

export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof FleetError || err instanceof ApplianceReplyError) return { code: err.code, message: err.message };
  return { code: 'E_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

async function call<R extends 'GET /v1/health' | 'GET /v1/metrics'>(endpoint: HttpEndpoint, route: R, options: PollOptions) {
  const opts = { timeoutMs: options.timeoutMs, agent: options.agent, signal: options.signal };
  try {
    return await callAppliance(endpoint, route, opts);
  } catch (err) {
    // A kept-alive socket the appliance closed meanwhile fails at once: try a fresh one, once.
    if (err instanceof FleetError && err.code === 'E_UNREACHABLE' && !options.signal.aborted) return callAppliance(endpoint, route, opts);
    throw err;
  }
}

function checkSerial(target: PollTarget, got: string, what: string): void {
  if (got !== target.serial) {
    throw new FleetError('E_BAD_REPLY', `${target.host}:${target.port} answered ${what} as ${got}, not ${target.serial}: the inventory's address or port may be wrong.`);
  }
}

export async function pollAppliance(target: PollTarget, options: PollOptions): Promise<PollOutcome> {
  const endpoint: HttpEndpoint = { label: target.serial, host: target.host, port: target.port, tls: null };
  let health: HealthReply;
  try {
    health = await call(endpoint, 'GET /v1/health', options);
    checkSerial(target, health.serial, '/v1/health');
  } catch (err) {
    return { kind: 'failed', at: options.now(), error: errorInfo(err) };
  }
  let metrics: MetricsReply | null = null;
  let metricsError: ErrorInfo | null = null;
  try {
    metrics = await call(endpoint, 'GET /v1/metrics', options);
    checkSerial(target, metrics.serial, '/v1/metrics');
  } catch (err) {
    metrics = null;
    metricsError = errorInfo(err);
  }
  return { kind: 'reached', at: options.now(), health, metrics, metricsError };
}

/** Run `work` over every item, at most `concurrency` at once; results in input order. */
export async function eachLimited<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}
