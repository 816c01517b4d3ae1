#!/usr/bin/env node
/* global process */
// A kill -9 test's engine process (tests/support/kill9.ts): tsx-registered, then the TypeScript
// program named by the first argument, whose main() gets the rest.
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const [program, ...args] = process.argv.slice(2);
const { main } = await import(pathToFileURL(program).href);
process.exitCode = await main(args);
