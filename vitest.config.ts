import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['main/**/*.test.ts', 'tests/**/*.test.ts', 'renderer/**/*.test.ts'],
    pool: 'forks',
    // Safety nets against a hang, not assertions: CI is a loaded 2-core machine where a real SSH
    // handshake, a `fleetdeck serve` start or a Chromium launch can take many seconds (an end-to-end
    // fan-out test of a dozen steps was seen to take 85 s at a load average of 20). Tests wait for
    // conditions (tests/support/wait.ts) with their own generous limits inside these.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ['default'],
    // The engine reaches loopback only in tests (made-up fleets, polling on by default): main/net/loopback-guard.ts.
    env: { FLEETDECK_LOOPBACK_ONLY: '1' },
  },
});
