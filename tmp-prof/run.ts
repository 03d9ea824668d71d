import { mkdtemp, cp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importOnboarding, loadOnboardingFile } from '/work/main/lambdas/core/onboarding/import.ts';
import { openLocal, runOnce } from '/work/main/local/runner.ts';
const home = await mkdtemp(join(tmpdir(), 'rp-'));
if (process.env.SEED) await cp(process.env.SEED, join(home, 'db'), { recursive: true });
const c = () => { const u = process.cpuUsage(); return ((u.user + u.system) / 1e6).toFixed(1); };
if (process.env.MAKE_SEED) { const o = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' } }); await o.close(); console.log('HOME', home); process.exit(0); }
let t = Date.now();
const rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_FETCH_TIMEOUT_MS: '3000' }, sampleWebSlowMs: 10_000 });
await importOnboarding(rt.deps.sql, await loadOnboardingFile('/work/main/local/data/sample-onboarding.yaml'));
console.log('open+onboard', Date.now() - t, 'cpu', c()); t = Date.now();
const run = await runOnce(rt);
console.log('run', Date.now() - t, 'cpu', c(), run.leadsFound, run.leadsResearched); t = Date.now();
await rt.close();
if (!process.env.SEED) console.log('HOME', home);
