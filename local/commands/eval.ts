/**
 * `prospector eval`: research quality on the sample web against the labelled gold set
 * (`--suite research`, the default), drafting's grounding against scripted misbehaviour
 * (`--suite drafts`), or reply classification against the bundled labelled replies (`--suite replies`).
 */
import { Option, type Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

/** Registers `prospector eval`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('eval')
    .description('research the sample web (one lead per gold-set company) in a temporary home and score it against the gold set; --suite drafts scores drafting; --suite replies scores reply classification; --suite changes scores change detection against the sample web\'s second version')
    .addOption(new Option('--suite <suite>', 'what to evaluate: research quality, drafting against a scripted misbehaving model, or reply labels against the bundled labelled replies').choices(['research', 'drafts', 'replies', 'changes']).default('research'))
    .option('--json', 'print the figures as JSON')
    .option('--details', 'list the gold facts the LLM never saw and any noise that reached it (drafts: every provider figure and what was missed; replies: every mislabelled reply and wrong detail)')
    .addHelpText(
      'after',
      '\nProgress goes to stderr (a line as leads finish), so stdout holds only the figures (--json: one JSON line).\n\nExamples:\n  $ prospector eval --json\n  $ GROQ_API_KEY=gsk_... prospector eval --details\n  $ prospector eval --suite drafts --json\n  $ prospector eval --suite replies --details\n  $ prospector eval --suite changes --json',
    )
    .action(async (opts: { suite: 'research' | 'drafts' | 'replies' | 'changes'; json?: boolean; details?: boolean }) => {
      if (opts.suite === 'changes') {
        await printChangesEval(ctx, opts);
        return;
      }
      if (opts.suite === 'drafts') {
        await printDraftsEval(ctx, opts);
        return;
      }
      if (opts.suite === 'replies') {
        await printRepliesEval(ctx, opts);
        return;
      }
      const { runEval } = await import('../eval.ts');
      const { progress } = await import('../progress.ts');
      // An eval takes minutes (hours on a rate-limited Groq key): say what it does while it runs.
      const bar = progress(process.stderr);
      const result = await runEval({
        onStart: (companies) => process.stderr.write(`eval: researching ${companies} gold-set companies on the sample web, in a temporary home\n`),
        onEvent: (e) => bar.onEvent(e),
      });
      bar.done();
      process.stderr.write('eval: scored against the gold set\n');
      const { missed, leaks, ...figures } = result;
      if (opts.json) {
        ctx.print(JSON.stringify(opts.details ? result : figures));
        return;
      }
      ctx.print(
        [
          `researcher: ${result.provider}${result.provider === 'offline-heuristic' ? ' (offline heuristic, not an LLM)' : ''}`,
          `companies ${result.companies} · researched ${result.leadsResearched}`,
          `evidence recall ${result.evidenceRecall} · median prompt tokens per lead ${result.medianPromptTokensPerLead}`,
          `verified fact rate ${result.verifiedFactRate} · hooks with evidence ${result.hooksWithEvidenceRate} · noise leaked ${result.noiseLeaked}`,
        ].join('\n'),
      );
      if (opts.details) {
        for (const m of missed) ctx.print(`missed  ${m.domain}  ${m.label}: ${m.evidence}`);
        for (const l of leaks) ctx.print(`leaked  ${l.domain}  ${l.snippet}`);
      }
    });
}

/** `prospector eval --suite changes`: change detection against the sample web's known edits. */
async function printChangesEval(ctx: CliContext, opts: { json?: boolean; details?: boolean }): Promise<void> {
  const { runChangesEval } = await import('../eval-changes.ts');
  const result = await runChangesEval({ onRun: (n, version) => process.stderr.write(`eval: run ${n} of 3 on the sample web version ${version}, in a temporary home\n`) });
  const { missed, unexpected, ...figures } = result;
  if (opts.json) {
    ctx.print(JSON.stringify(opts.details ? result : figures));
    return;
  }
  const r = result.recheck;
  ctx.print(
    [
      `change detection on ${result.companies} sample companies (researcher: ${result.provider})`,
      `precision ${result.precision} · recall ${result.recall} (${result.matched} of ${result.expected} expected signals; ${result.detected} detected)`,
      `re-check with nothing changed: ${r.unchanged} of ${r.companies} companies unchanged · ${r.notModified + r.unchangedHash} of ${r.pages} pages at a 304 (${r.notModified}) or an unchanged hash (${r.unchangedHash}): share ${r.unchangedShare} · ${r.signals} signals · ${r.promptTokens + r.completionTokens} tokens`,
    ].join('\n'),
  );
  if (opts.details) {
    for (const m of missed) ctx.print(`missed      ${m.domain}  ${m.kind}  ${m.item}`);
    for (const u of unexpected) ctx.print(`unexpected  ${u.domain}  ${u.kind}  ${u.summary}`);
  }
}

/** `prospector eval --suite drafts`: runs the drafting evaluation and prints its figures. */
async function printDraftsEval(ctx: CliContext, opts: { json?: boolean; details?: boolean }): Promise<void> {
  const { runDraftsEval } = await import('../eval-drafts.ts');
  const result = await runDraftsEval({ onProgress: opts.json ? undefined : (line) => process.stderr.write(`${line}\n`) });
  if (opts.json) {
    ctx.print(JSON.stringify(opts.details ? result : { ...result, providers: result.providers.map(({ notDrafted: _n, cases: _c, ...p }) => p) }));
    return;
  }
  const share = (x: number | null) => (x === null ? 'n/a' : String(x));
  ctx.print(
    [
      `leads researched ${result.leadsResearched} · drafted for (at or above their ICP's threshold, a person's address) ${result.leadsEligible}${result.roleAddressesLeftOut.length ? ` · left out, a team's mailbox: ${result.roleAddressesLeftOut.join(', ')}` : ''}`,
      `invented specifics caught ${share(result.inventedSpecificsCaught)} (goal 1) · sendable with an invented specific ${result.sendableWithInventedSpecific} (goal 0)`,
      ...result.providers.map(
        (p) =>
          `${p.provider === 'template' ? 'templates (no language model)' : `llm ${p.model} (loopback fake Groq, scripted)`}: drafted ${p.leadsDrafted} · ` +
          `cited sentence rate ${p.citedSentenceRate} · tone compliance ${p.toneCompliance} · median words ${p.medianWords}` +
          (p.inventedSpecificsInjected ? ` · invented specifics caught ${share(p.inventedSpecificsCaught)} (${p.inventedSpecificsInjected} injected)` : '') +
          (p.maxPromptTokens !== null ? ` · largest prompt ${p.maxPromptTokens} tokens` : ''),
      ),
    ].join('\n'),
  );
  if (opts.details) {
    for (const p of result.providers) {
      for (const [kind, c] of Object.entries(p.cases)) ctx.print(`${p.provider}  ${kind}: caught ${c.caught} of ${c.injected} (${c.rule})`);
      for (const n of p.notDrafted) ctx.print(`${p.provider}  not drafted  ${n.email}: ${n.reason}`);
    }
    for (const x of result.problems) ctx.print(`problem  ${x.provider}  ${x.email}  ${x.case}: ${x.detail}`);
  }
}

/** `prospector eval --suite replies`: classifies the bundled labelled replies and prints the figures per classifier. */
async function printRepliesEval(ctx: CliContext, opts: { json?: boolean; details?: boolean }): Promise<void> {
  const { runRepliesEval } = await import('../eval-replies.ts');
  const { loadLocalConfig } = await import('../config.ts');
  const config = loadLocalConfig();
  const result = await runRepliesEval({
    // the real Groq only on the user's own key; the two other columns never leave the machine
    groq: config.groqApiKey ? { apiKey: config.groqApiKey, baseURL: config.groqBaseUrl, model: config.pipeline.factsModel } : undefined,
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  if (opts.json) {
    ctx.print(JSON.stringify(opts.details ? result : { ...result, classifiers: result.classifiers.map(({ misses: _m, details: _d, ...c }) => c) }));
    return;
  }
  const share = (x: number | null) => (x === null ? '  -  ' : x.toFixed(3));
  const name = (c: (typeof result.classifiers)[number]) =>
    c.classifier === 'heuristic' ? 'offline heuristic (not an LLM)' : c.classifier === 'fake-groq' ? `${c.model} on the loopback fake Groq` : `${c.model} on Groq`;
  const lines = [
    `replies ${result.replies} (${Object.entries(result.languages).map(([l, n]) => `${l} ${n}`).join(' · ')}) · must never be missed ${result.mustNotMiss}`,
  ];
  for (const c of result.classifiers) {
    lines.push(
      '',
      `${name(c)}: macro-F1 ${c.macroF1} · accuracy ${c.accuracy} · deterministicMisses ${c.deterministicMisses} (goal 0) · detail errors ${c.detailErrors} · by rules ${c.byRules} · needs review ${c.needsReview} · model calls ${c.llmCalls}`,
      `  ${'label'.padEnd(15)} support  precision  recall  f1`,
      ...Object.entries(c.perLabel).map(([label, f]) => `  ${label.padEnd(15)} ${String(f.support).padStart(7)}  ${share(f.precision).padStart(9)}  ${share(f.recall).padStart(6)}  ${f.f1.toFixed(3)}`),
    );
    if (opts.details) {
      for (const m of c.misses) lines.push(`  missed  ${m.file}: ${m.expected} labelled ${m.got} by ${m.classifiedBy} (${m.evidence})`);
      for (const d of c.details) lines.push(`  detail  ${d.file}: ${d.field} ${JSON.stringify(d.got)}, expected ${JSON.stringify(d.expected)}`);
    }
  }
  ctx.print(lines.join('\n'));
}
