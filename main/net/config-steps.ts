/**
 * A multi-step kind of the jobs kernel: ordered `ocactl config set key=value` changes per
 * appliance, limited per site. Each step is observable on the appliance (`ocactl config get`), so
 * after a crash the step that was under way is reconciled by reading the appliance's config: the
 * value is there (done, go on) or not (run it again). Steps must each leave a distinct value of a
 * key (two steps that set the same key to the same value cannot be told apart).
 * It is the kernel's demonstration kind and the subject of its kill -9 test.
 */
import { z } from 'zod';
import { FleetError } from '../kit/errors';
import { type ApplianceConfig } from '../appliance/contract';
import { ApplianceReplyError, parseOcactlReply } from '../appliance/replies';
import type { InventoryService } from '../inventory/service';
import type { JobKind, StepOutcome } from '../jobs/kind';
import { failed } from '../jobs/kind';
import type { NetService } from './service';

const ConfigKey = z
  .string()
  .regex(/^(hostname|bgp\.asn|bgp\.neighbor|bgp\.neighbor-asn|interface\.[A-Za-z0-9_.-]+\.(mtu|ipv4|ipv6|up))$/, 'a config key as ocactl config set takes it');

export const ConfigStepsSpec = z.object({
  steps: z
    .array(z.object({ key: ConfigKey, value: z.string().max(256).refine((v) => !/[\s\0]/.test(v), 'a value has no spaces') }))
    .min(1)
    .max(32),
  concurrency: z.number().int().min(1).max(1000).default(50),
  /** Appliances changed at once in one site. */
  perGroup: z.number().int().min(1).max(1000).nullable().default(null),
  maxFailures: z.number().int().min(0).nullable().default(null),
  timeoutMs: z.number().int().min(100).max(3_600_000).nullable().default(null),
});
export type ConfigStepsSpec = z.infer<typeof ConfigStepsSpec>;

/** The value of a `config set` key in a config reply, as the text config set takes; null when absent. */
export function configValue(config: ApplianceConfig, key: string): string | null {
  if (key === 'hostname') return config.hostname;
  if (key === 'bgp.asn') return String(config.bgp.localAsn);
  if (key === 'bgp.neighbor-asn') return String(config.bgp.neighbor.asn);
  if (key === 'bgp.neighbor') return config.bgp.neighbor.address;
  const m = /^interface\.(.+)\.(mtu|ipv4|ipv6|up)$/.exec(key);
  const iface = m ? config.interfaces.find((i) => i.name === m[1]) : undefined;
  if (!m || !iface) return null;
  const v = iface[m[2] as 'mtu' | 'ipv4' | 'ipv6' | 'up'];
  return v === null ? '' : String(v);
}

function replyError(err: unknown): StepOutcome {
  if (err instanceof ApplianceReplyError || err instanceof FleetError) return failed(err.code, err.message);
  throw err;
}

export function configStepsKind(net: NetService, inventory: Pick<InventoryService, 'appliance'>): JobKind<ConfigStepsSpec> {
  return {
    name: 'config-steps',
    spec: ConfigStepsSpec,
    describe: (spec) => ['ocactl', 'config', 'set', ...spec.steps.map((s) => `${s.key}=${s.value}`)],
    steps: (spec) => spec.steps.length,
    group: (target) => target.site,
    afterCrash: 'reconcile',
    async open(spec) {
      await net.checkCredentials();
      const pool = net.sharedPool();
      const settings = net.settings();
      const routeFor = net.router(settings);
      const timeoutMs = spec.timeoutMs ?? settings.commandTimeoutMs;
      const ocactl = async (serial: string, argv: string[], signal: AbortSignal) => {
        const r = await pool.exec(routeFor(inventory.appliance(serial)), argv, { timeoutMs, signal, maxOutputBytes: 256 * 1024, failOnOverflow: true });
        return r;
      };
      return {
        async act(step, target, signal) {
          const { key, value } = spec.steps[step]!;
          const r = await ocactl(target.serial, ['ocactl', 'config', 'set', `${key}=${value}`], signal);
          try {
            parseOcactlReply('config set', r.stdout);
          } catch (err) {
            return replyError(err);
          }
          return {
            state: 'ok',
            exitCode: r.exitCode,
            output: `step ${step + 1}/${spec.steps.length}: ${key}=${value}`,
            stderr: null,
            errorCode: null,
            errorMessage: null,
            context: { done: step + 1 },
          };
        },
        async reconcile(step, target, signal) {
          const { key, value } = spec.steps[step]!;
          const r = await ocactl(target.serial, ['ocactl', 'config', 'get'], signal);
          let config: ApplianceConfig;
          try {
            config = parseOcactlReply('config get', r.stdout);
          } catch (err) {
            return replyError(err);
          }
          return configValue(config, key) === value ? 'done' : 'redo';
        },
      };
    },
  };
}
