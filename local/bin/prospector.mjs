#!/usr/bin/env node
// Runs the CLI: from the bundle in .build/cli when it was built from the sources as they are now
// (fast start, no TypeScript loader), otherwise the TypeScript sources through tsx's loader, so an
// edit is never run stale. PROSPECTOR_BUNDLE=0 always takes the sources.
import './v8-flags.mjs';
import { freshBundle } from './fresh-bundle.mjs';

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
