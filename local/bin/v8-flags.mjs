// V8 settings for the project's processes (the CLI, `npm run bench` and its children), imported
// first, before any module is compiled.
//
// PGlite's 9 MB of WebAssembly is compiled by V8's baseline compiler only: a process spends less
// on optimising PostgreSQL's hot functions on background threads than it ever wins back. Measured
// on a migrated home: `prospector runs` 2.1 -> 1.2-1.5 CPU-seconds (1.4 -> 1.0-1.3 s), the whole sample
// run about 14 -> 11.5, and a 1,000-lead run (bench/scale.ts) the same either way.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
