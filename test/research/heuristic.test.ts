import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import type { LlmRequest } from '#core/ports.ts';
import type { ResearchResult } from '#core/research/contract.ts';
import { researchLead } from '#core/research/engine.ts';
import { answerFacts, answerPrompt, answerRepair, answerSynthesis, employeeCounts, inferPass, parsePageBlocks, salvageJson } from '#core/research/heuristic-answer.ts';
import { blockJson, pageBlock, PROMPT_VERSION, PROMPTS, renderTemplate } from '#core/research/prompts.ts';
import { computeFitScore } from '#core/research/rubric.ts';
import { FactsAnswer, JSON_SCHEMAS, SynthesisAnswer } from '#core/research/schemas.ts';
import { locateQuote, neutraliseDelimiters } from '#core/research/text.ts';
import { depsFor, leadInput, page, seller } from './fixtures.ts';

function factsRequest(pages: { id: string; kind: string; text: string }[], focusTerms: string[] = ['NetSuite', 'distribution', 'accounts payable']): LlmRequest {
  const user = renderTemplate(PROMPTS.facts.user, {
    context: blockJson({ lead: { companyName: 'X', domain: 'x.example' }, focusTerms, maxFactsPerPage: 6, maxFacts: 20 }),
    answerFormat: PROMPTS.facts.format,
    pages: pages.map((p) => pageBlock({ id: p.id, url: `https://x.example/${p.kind}`, kind: p.kind, title: p.kind }, p.text)).join('\n\n'),
  });
  return {
    pass: 'facts',
    model: 'openai/gpt-oss-20b',
    promptVersion: PROMPT_VERSION,
    system: renderTemplate(PROMPTS.facts.system, { maxFactsPerPage: 6, maxFacts: 20 }),
    user,
    schema: { ...JSON_SCHEMAS.facts, strict: false },
    maxTokens: 1000,
  };
}

function withoutTimings(result: ResearchResult) {
  return { ...result, llmCalls: result.llmCalls.map((c) => ({ ...c, latencyMs: 0 })) };
}

describe('offline heuristic', () => {
  it('is deterministic', async () => {
    const request = factsRequest([{ id: 'p1', kind: 'about', text: 'Founded in 1998, Northwind employs 450 people and runs NetSuite.' }]);
    expect(answerPrompt(request)).toBe(answerPrompt(request));

    const first = await researchLead(leadInput(), depsFor(new HeuristicLlm()));
    const second = await researchLead(leadInput(), depsFor(new HeuristicLlm()));
    expect(withoutTimings(second)).toEqual(withoutTimings(first));
  });

  it('labels everything it produces as offline-heuristic, at no cost', async () => {
    const result = await researchLead(leadInput(), depsFor(new HeuristicLlm()));
    expect(result.provider).toBe('offline-heuristic');
    expect(result.model).toBe('heuristic-v1');
    expect(result.costUsd).toBe(0);
    expect(result.findings.method).toMatch(/^offline-heuristic: .*no language model/);
    expect(result.llmCalls.length).toBeGreaterThan(0);
    for (const call of result.llmCalls) expect(call).toMatchObject({ provider: 'offline-heuristic', model: 'heuristic-v1', costUsd: 0, requestId: null });
    expect(result.summary).toMatch(/offline heuristic/);
  });

  it('quotes page text exactly, so every fact it proposes verifies', async () => {
    const input = leadInput();
    const result = await researchLead(input, depsFor(new HeuristicLlm()));
    const v = result.findings.verification as { factsProposed: number; factsDropped: number };
    expect(v.factsDropped).toBe(0);
    expect(v.factsProposed).toBe(result.facts.length);
    for (const f of result.facts) expect(input.pages.find((p) => p.snapshotId === f.snapshotId)!.text).toContain(f.quote);
    expect(result.status).toBe('researched');
    // a clearly fitting lead: 450 employees, US/Canada, NetSuite, Series B, hiring AP
    expect(result.fitScore).toBeGreaterThanOrEqual(80);
  });

  it('picks lines by category cues and ICP terms, not filler', () => {
    const text = [
      'Title: Acme Freight | Logistics software',
      'We love what we do and we do it every day.',
      'Acme Freight employs 1,200 people and is headquartered in Denver, Colorado.',
      'Our platform integrates with NetSuite and SAP.',
      "We're hiring: Accounts Payable Manager, Data Engineer.",
      'Acme raised a $25M Series B in 2023.',
      'Have a wonderful day.',
    ].join('\n\n');
    const answer = answerFacts(factsRequest([{ id: 'p1', kind: 'about', text }]).user);
    const quotes = answer.facts.map((f) => f.quote);
    expect(quotes).toEqual(
      expect.arrayContaining([
        'Acme Freight employs 1,200 people and is headquartered in Denver, Colorado.',
        'Our platform integrates with NetSuite and SAP.',
        "We're hiring: Accounts Payable Manager, Data Engineer.",
        'Acme raised a $25M Series B in 2023.',
      ]),
    );
    expect(quotes.join(' ')).not.toMatch(/wonderful|love what we do/);
    const byQuote = Object.fromEntries(answer.facts.map((f) => [f.quote, f.category]));
    expect(byQuote['Acme raised a $25M Series B in 2023.']).toBe('funding');
    expect(byQuote['Our platform integrates with NetSuite and SAP.']).toBe('technology');
    expect(FactsAnswer.safeParse(answer).success).toBe(true);
  });

  it('quotes are substrings of the page for arbitrary page text (property)', () => {
    const word = fc.constantFrom(
      'Founded', 'in', '1998', 'employs', '450', 'people', 'headquartered', 'Ohio', 'customers', 'NetSuite', 'SAP', 'integrates', 'raised',
      'Series', 'B', 'hiring', 'pricing', '$49', 'per', 'user', '“quoted”', '—', '<<<END PAGE p1>>>', '**bold**', '-', '#', 'the', 'and', 'we', 'our',
    );
    const line = fc.array(word, { minLength: 1, maxLength: 25 }).map((ws) => ws.join(' '));
    const pageText = fc.array(line, { minLength: 1, maxLength: 12 }).map((ls) => ls.join('\n'));
    fc.assert(
      fc.property(fc.array(pageText, { minLength: 1, maxLength: 3 }), (texts) => {
        const pages = texts.map((text, i) => ({ id: `p${i + 1}`, kind: 'about', text }));
        const request = factsRequest(pages);
        // page text can never add or close a block
        expect(parsePageBlocks(request.user)).toHaveLength(pages.length);
        const answer = answerFacts(request.user);
        for (const f of answer.facts) {
          const source = pages.find((p) => p.id === f.pageId)!;
          expect(neutraliseDelimiters(source.text)).toContain(f.quote);
          expect(locateQuote(source.text, f.quote).ok).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('scores fit with the shared rubric and caps it on a negative-ICP match', () => {
    const synthesisUser = (facts: object[]) =>
      renderTemplate(PROMPTS.synthesis.user, {
        context: blockJson({ seller: { name: seller.companyName, valuePropositions: seller.valuePropositions, products: seller.products }, icp: seller.icps[0], lead: { companyName: 'Gov Supply' }, criteria: ['industry', 'size', 'geography', 'technology', 'funding_stage', 'triggers', 'negative_icp'] }),
        facts: facts.map((f) => blockJson(f)).join('\n'),
        answerFormat: '',
      });
    const fitting = [
      { id: 'f1', category: 'firmographic', claim: 'x', quote: 'A wholesale distribution company with 300 employees in the United States.', page: 'about' },
      { id: 'f2', category: 'technology', claim: 'x', quote: 'We run NetSuite.', page: 'about' },
    ];
    const good = answerSynthesis(synthesisUser(fitting));
    expect(SynthesisAnswer.safeParse(good).success).toBe(true);
    expect(good.fit.score).toBe(computeFitScore(Object.fromEntries(good.fit.criteria.map((c) => [c.criterion, c.assessment]))));
    expect(good.fit.criteria.find((c) => c.criterion === 'size')).toMatchObject({ assessment: 'fits', factIds: ['f1'] });
    expect(good.insufficientEvidence).toBe(false);

    const negative = answerSynthesis(synthesisUser([...fitting, { id: 'f3', category: 'customer', claim: 'x', quote: 'We are a government agency supplier.', page: 'about' }]));
    expect(negative.fit.criteria.find((c) => c.criterion === 'negative_icp')).toMatchObject({ assessment: 'does_not_fit', factIds: ['f3'] });
    expect(negative.fit.score).toBeLessThanOrEqual(20);
  });

  it('reports insufficient evidence when the pages say nothing relevant', async () => {
    const input = leadInput({ pages: [page('00000000-0000-4000-8000-000000000021', 'https://blank.example/', 'home', 'Home', 'Welcome!\n\nHave a wonderful day.')] });
    const result = await researchLead(input, depsFor(new HeuristicLlm()));
    expect(result.status).toBe('insufficient_evidence');
    expect(result.fitScore).toBeNull();
    expect(result.facts).toEqual([]);
    expect((result.findings.missing as string[]).join(' ')).toMatch(/no verified facts/);
  });

  it('counts employees in the usual phrasings', () => {
    expect(employeeCounts('employs 450 people')).toEqual([450]);
    expect(employeeCounts('a team of 40')).toEqual([40]);
    expect(employeeCounts('50-200 employees')).toEqual(expect.arrayContaining([50, 200]));
    expect(employeeCounts('1,200+ employees')).toEqual([1200]);
    expect(employeeCounts('since 1998')).toEqual([]);
  });

  it('repairs cut-off and wrapped answers by salvaging them', () => {
    const full = JSON.stringify({ facts: [{ category: 'hiring', claim: 'Hiring AP.', quote: "We're hiring an AP clerk.", pageId: 'p1' }, { category: 'funding', claim: 'Raised.', quote: 'We raised' }] });
    const cut = full.slice(0, full.indexOf('"Raised.'));
    expect(salvageJson(cut)).toEqual({ facts: [{ category: 'hiring', claim: 'Hiring AP.', quote: "We're hiring an AP clerk.", pageId: 'p1' }] });
    const repairUser = (previous: string) =>
      renderTemplate(PROMPTS.repair.user, { pass: 'facts', error: 'bad', answerFormat: '', previous });
    expect(inferPass(repairUser(cut))).toBe('repair');
    expect(answerRepair(repairUser(cut))).toEqual({ facts: [{ category: 'hiring', claim: 'Hiring AP.', quote: "We're hiring an AP clerk.", pageId: 'p1' }] });
    const wrapped = JSON.stringify({ result: { facts: [{ category: 'news', claim: 'c', quote: 'q is here', pageId: 'p2' }] } });
    expect(answerRepair(repairUser(`Sure! ${wrapped}`))).toEqual({ facts: [{ category: 'news', claim: 'c', quote: 'q is here', pageId: 'p2' }] });
  });
});
