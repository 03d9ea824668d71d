#!/usr/bin/env node
// Runs the CLI: from the bundle in .build/cli when it was built from the sources as they are now
// (fast start, no TypeScript loader), otherwise the TypeScript sources through tsx's loader, so an
// edit is never run stale. PROSPECTOR_BUNDLE=0 always takes the sources.
import { setFlagsFromString } from 'node:v8';
import { freshBundle } from './fresh-bundle.mjs';

// PGlite's 9 MB of WebAssembly, compiled by V8's baseline compiler only: a command spends less on
// optimising PostgreSQL's hot functions in the background than it would ever win back. Measured
// on a migrated home: `prospector runs` 2.1 -> 1.2 CPU-seconds (1.4 -> 1.0 s), the whole sample
// run 14 -> 11.5, and a 1,000-lead run the same either way (bench/scale.ts). Set before any
// module is compiled.
setFlagsFromString('--liftoff-only');

const bundle = process.env.PROSPECTOR_BUNDLE === '0' ? { stale: 'PROSPECTOR_BUNDLE=0' } : freshBundle();
let main;
if (bundle.entry) {
  ({ main } = await import(bundle.entry));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli.ts'));
}
await main();
