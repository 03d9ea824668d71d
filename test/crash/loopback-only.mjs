// Preloaded into CLI children (`NODE_OPTIONS=--import <this file>`): every socket the child opens
// must go to a loopback address; anything else throws before a packet leaves and is reported on
// stderr with the marker `LOOPBACK-TRIPWIRE`, which the tests look for. Plain JavaScript, so the
// child needs no TypeScript loader for it (test/helpers/tripwire.mjs).
import { installTripwire } from '../helpers/tripwire.mjs';

const tripwire = installTripwire();
process.on('exit', () => {
  for (const d of tripwire.refused) process.stderr.write(`LOOPBACK-TRIPWIRE refused ${d.host}:${d.port}\n`);
});
