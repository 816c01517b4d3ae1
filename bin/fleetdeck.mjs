#!/usr/bin/env node
// The `fleetdeck` command: runs the CLI built to out/cli/fleetdeck.mjs (scripts/build-cli.mjs),
// building it first when it is missing or older than its sources (a fresh clone, an edit).
import module from 'node:module';
import { ensureBuilt } from '../scripts/build-cli.mjs';

// Node 22.1+ keeps compiled code between runs (in the OS temp dir); older Node has no such cache.
module.enableCompileCache?.();
const { main } = await import(await ensureBuilt('fleetdeck'));
process.exitCode = await main(process.argv.slice(2));
