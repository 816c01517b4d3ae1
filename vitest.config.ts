import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['main/**/*.test.ts', 'tests/**/*.test.ts', 'renderer/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // The engine reaches loopback only in tests (made-up fleets, polling on by default): main/net/loopback-guard.ts.
    env: { FLEETDECK_LOOPBACK_ONLY: '1' },
  },
});
