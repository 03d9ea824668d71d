#!/usr/bin/env node
// Runs a TypeScript script through tsx's loader (`node local/bin/run-ts.mjs bench/run.ts --json`),
// so npm scripts need no global tsx and no build step. The script sees a normal process.argv:
// [node, <script>, ...its arguments].
import './v8-flags.mjs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: node local/bin/run-ts.mjs <script.ts> [arguments...]\n');
  process.exit(2);
}
register();
const path = resolve(script);
process.argv = [process.argv[0], path, ...args];
await import(pathToFileURL(path).href);
