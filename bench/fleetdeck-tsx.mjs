#!/usr/bin/env node
// The old way to run `fleetdeck`: its TypeScript sources compiled by tsx at every start. Kept only
// as bench:cli's peer (tsx is a dev dependency).
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
