/**
 * The contract's building blocks: a method is a pair of zod schemas (input, output); a domain
 * exports a map of methods and a map of events; main/api/contract.ts composes the domains.
 * Types come from the schemas (z.infer), so the renderer, CLI and engine share one truth.
 */
import type { z } from 'zod';

export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  /** One line for docs and the CLI's help. */
  readonly summary: string;
  /**
   * Whether the call changes anything: the fleet database, the vault, a file the engine keeps, or an
   * appliance (an action, a poll). A read-only engine (a snapshot, docs/snapshots.md) refuses every
   * method with `writes: true` with E_READ_ONLY, at the dispatcher, before the service sees it.
   * Required on every method, so a new one cannot be added without deciding.
   */
  readonly writes: boolean;
}

/** How a method behaves beyond its schemas. */
export interface MethodTraits {
  /** See MethodSpec.writes. */
  readonly writes: boolean;
}

export function method<I extends z.ZodType, O extends z.ZodType>(
  summary: string,
  input: I,
  output: O,
  traits: MethodTraits,
): MethodSpec<I, O> {
  return { input, output, summary, writes: traits.writes };
}

export type MethodMap = Record<string, MethodSpec>;
export type EventMap = Record<string, z.ZodType>;

export type InputOf<M extends MethodSpec> = z.input<M['input']>;
export type ParsedInputOf<M extends MethodSpec> = z.output<M['input']>;
export type OutputOf<M extends MethodSpec> = z.output<M['output']>;

/** What a domain service must provide for its method map. */
export type DomainHandlers<M extends MethodMap, Ctx> = {
  [K in keyof M]: (input: ParsedInputOf<M[K]>, ctx: Ctx) => Promise<OutputOf<M[K]>> | OutputOf<M[K]>;
};

/** The typed client surface for one domain: api.<domain>.<method>(input). */
export type DomainClient<M extends MethodMap> = {
  [K in keyof M]: (input: InputOf<M[K]>) => Promise<OutputOf<M[K]>>;
};
