#!/usr/bin/env node
/* global process */
// The rollouts kill -9 test's engine process: tsx-registered, then the TypeScript program.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./rollouts-kill9-engine.ts');
process.exitCode = await main(process.argv.slice(2));
