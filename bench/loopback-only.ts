/**
 * Imported first by every benchmark: engines it starts (in-process, `fleetdeck serve`, the CLI)
 * reach loopback only (main/net/loopback-guard.ts). Benchmark fleets are made up; nothing may
 * reach the addresses they name.
 */
process.env['FLEETDECK_LOOPBACK_ONLY'] = '1';
export {};
