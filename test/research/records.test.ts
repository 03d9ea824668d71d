import { describe, expect, it } from 'vitest';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import { ValidationError } from '#core/errors.ts';
import { researchLead } from '#core/research/engine.ts';
import { Findings, parseFindings, parseStoredResearch, ResearchResult } from '#core/research/records.ts';
import { depsFor, leadInput } from './fixtures.ts';

describe('the research record schemas', () => {
  it('describe exactly what the engine returns: parsing a result changes nothing', async () => {
    for (const budget of [4000, 300]) {
      const result = await researchLead(leadInput(), depsFor(new HeuristicLlm()), { promptTokenBudget: budget });
      // a JSON round trip, as the lake and the findings column store it
      const stored = JSON.parse(JSON.stringify(result)) as unknown;
      expect(ResearchResult.parse(stored)).toEqual(stored);
    }
  });

  it('read findings stored before a field existed as empty, and name the field of findings that are not findings', () => {
    expect(parseFindings({}, 'r1')).toMatchObject({ missing: [], hooks: [], emailAngle: null, fit: { score: null, criteria: [] }, verification: { factsVerified: 0 } });
    expect(Findings.parse({ missing: ['evidence on size'] }).missing).toEqual(['evidence on size']);
    const error = (() => {
      try {
        return parseFindings({ hooks: [{ hook: 'x', factIds: 'f1' }] }, 'r1');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^the findings of research r1 is invalid:\n {2}- hooks\.0\.factIds: /);
  });

  it('refuse a stored research record that is not one, naming the key and the field', () => {
    expect(() => parseStoredResearch('{"idempotencyKey":"k","runId":"r","leadId":"l","pages":[]}', 'runs/r/research/l.json')).toThrow(
      /^research result runs\/r\/research\/l\.json is invalid:\n {2}- result: /,
    );
    expect(() => parseStoredResearch('{"idem', 'runs/r/research/l.json')).toThrow(/^research result runs\/r\/research\/l\.json is invalid:\n {2}- \(root\): not JSON/);
  });
});
