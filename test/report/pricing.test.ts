/**
 * The cost model (lambdas/core/pricing.ts): the README's cost table is the code's output, its
 * Groq items come from the model table's prices, and the transitions it bills are those of the
 * lead Map's definition.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AWS_PRICES, BEFORE, GROQ_BATCH_DISCOUNT, LEANEST, NOW, SCHEDULED_BATCH, costPer1000Leads, costTableMarkdown } from '#core/pricing.ts';
import { MODELS } from '#core/research/models.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('the cost of 1,000 leads', () => {
  it('is in the README exactly as the code computes it from its price table', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(costTableMarkdown());
    const now = costPer1000Leads(NOW).total;
    expect(readme).toContain(`**$${now.toFixed(2)} per 1,000 leads**`);
  });

  it('prices Groq from the model table and Step Functions from the AWS table', () => {
    const facts = costPer1000Leads(BEFORE).items.find((i) => i.item.startsWith('Groq, facts'))!;
    const m = MODELS['openai/gpt-oss-20b'];
    expect(facts.usdPer1000).toBeCloseTo(1000 * ((1552 * m.inputPerMillion + 965 * m.outputPerMillion) / 1e6), 9);
    const sfn = (u: typeof BEFORE) => costPer1000Leads(u).items.find((i) => i.item.startsWith('Step Functions'))!.usdPer1000;
    // Standard: every state a lead enters, a child's own, one parent transition per child, the run's own
    expect(sfn(BEFORE)).toBeCloseTo(1000 * AWS_PRICES.sfnStandardTransition.usd * (9 + 2 / 10) + 12 * AWS_PRICES.sfnStandardTransition.usd, 9);
    // Express bills far less for the same leads, and the cheaper models less again
    expect(sfn(NOW)).toBeLessThan(sfn(BEFORE) / 5);
    expect(costPer1000Leads(LEANEST).total).toBeLessThan(costPer1000Leads(NOW).total);
    for (const p of Object.values(AWS_PRICES)) expect(p.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('prices batch mode at the batch discount on the same models and tokens, and the README says what it costs', () => {
    const groq = (u: typeof NOW) => costPer1000Leads(u).items.filter((i) => i.item.startsWith('Groq')).map((i) => i.usdPer1000);
    expect(SCHEDULED_BATCH.models).toEqual(NOW.models);
    expect(GROQ_BATCH_DISCOUNT.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    groq(SCHEDULED_BATCH).forEach((usd, i) => expect(usd).toBeCloseTo(groq(NOW)[i] * (1 - GROQ_BATCH_DISCOUNT.fraction), 9));
    // three passes of the lead Map and the polling cost more orchestration than a synchronous run
    const sfn = (u: typeof NOW) => costPer1000Leads(u).items.find((i) => i.item.startsWith('Step Functions'))!.usdPer1000;
    expect(sfn(SCHEDULED_BATCH)).toBeGreaterThan(sfn(NOW));
    const total = costPer1000Leads(SCHEDULED_BATCH).total;
    expect(total).toBeLessThan(1);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`**$${total.toFixed(2)} per 1,000 leads in batch mode**`);
  });

  it('bills the states a researched and drafted lead enters in the definition', () => {
    const asl = JSON.parse(readFileSync(join(ROOT, 'statemachine', 'prospecting.asl.json'), 'utf8'));
    const lead = asl.States.ProcessLeads.ItemProcessor.States.ProcessBatch.ItemProcessor;
    const path: string[] = [];
    for (let name: string | undefined = lead.StartAt; name; ) {
      path.push(name);
      const s = lead.States[name];
      // the usual path: pages found, research not skipped, the lead drafted
      name = s.Type === 'Choice' ? (name === 'ShouldDraft' ? s.Choices[0].Next : s.Default) : s.Next;
    }
    expect(path).toEqual(['FetchSite', 'HasPages', 'CleanPages', 'ResearchLead', 'IsResearchSkipped', 'CommitResearch', 'ShouldDraft', 'DraftOutreach', 'LeadDone']);
    expect(BEFORE.transitionsPerLead).toBe(path.length);
  });
});
