#!/usr/bin/env node
// The `fleetdeck` command: runs the engine's CLI from its TypeScript source through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
