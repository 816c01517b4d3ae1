// Types of scripts/system-deps.mjs, for the benchmarks (TypeScript) that install their peers with it.
export interface SystemDep {
  pkg: string;
  path: string;
  why: string;
}
export const SYSTEM_DEPS: SystemDep[];
export const BENCH_PEERS: { fanout: SystemDep[]; health: SystemDep[]; inventory: SystemDep[] };
export function ensureSystemDeps(options?: { quiet?: boolean; deps?: SystemDep[]; purpose?: string }): boolean;
