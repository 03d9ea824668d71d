/** The model table as configuration sees it: shut-down models and unpriced models under a dollar budget are refused at parse time. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#core/errors.ts';
import { callCostUsd, DEFAULT_MODELS, MODELS, parseModelPrices, servedModels } from '#core/research/models.ts';
import { defaultPipelineConfig } from '#core/pipeline/deps.ts';
import { DEFAULT_RESEARCH_OPTIONS } from '#core/research/engine.ts';
import { loadLocalConfig } from '#local/config.ts';

function issues(env: Record<string, string>): { path: string; message: string }[] {
  try {
    loadLocalConfig({ PROSPECTOR_HOME: '/tmp/x', ...env });
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  return [];
}

describe('models in configuration', () => {
  it('defaults to models Groq serves with strict structured outputs, named in one place', () => {
    expect(DEFAULT_MODELS).toEqual({ facts: 'openai/gpt-oss-20b', synthesis: 'openai/gpt-oss-120b' });
    for (const m of Object.values(DEFAULT_MODELS)) {
      expect(servedModels()).toContain(m);
      expect(MODELS[m].strictJsonSchema).toBe(true);
    }
    expect([defaultPipelineConfig.factsModel, defaultPipelineConfig.synthesisModel]).toEqual([DEFAULT_MODELS.facts, DEFAULT_MODELS.synthesis]);
    expect([DEFAULT_RESEARCH_OPTIONS.factsModel, DEFAULT_RESEARCH_OPTIONS.synthesisModel]).toEqual([DEFAULT_MODELS.facts, DEFAULT_MODELS.synthesis]);
    const local = loadLocalConfig({ PROSPECTOR_HOME: '/tmp/x' });
    expect([local.pipeline.factsModel, local.pipeline.synthesisModel, local.onDailyLimit]).toEqual([DEFAULT_MODELS.facts, DEFAULT_MODELS.synthesis, 'skip']);
  });

  it('refuses each shut-down model, naming the variable, the date and the replacement', () => {
    expect(issues({ PROSPECTOR_FACTS_MODEL: 'llama-3.1-8b-instant', PROSPECTOR_SYNTHESIS_MODEL: 'llama-3.3-70b-versatile' })).toEqual([
      { path: 'PROSPECTOR_FACTS_MODEL', message: 'llama-3.1-8b-instant was shut down by Groq on 2026-08-16 (console.groq.com/docs/deprecations); use openai/gpt-oss-20b instead' },
      { path: 'PROSPECTOR_SYNTHESIS_MODEL', message: 'llama-3.3-70b-versatile was shut down by Groq on 2026-08-16 (console.groq.com/docs/deprecations); use openai/gpt-oss-120b instead' },
    ]);
    // the price stays, so calls recorded before the shutdown still cost what they cost
    expect(callCostUsd('groq', 'llama-3.1-8b-instant', 1_000_000, 1_000_000)).toBeCloseTo(0.13, 6);
  });

  it('refuses a dollar budget over an unpriced model with Groq, unless PROSPECTOR_MODEL_PRICES prices it', () => {
    const env = { GROQ_API_KEY: 'gsk_x', PROSPECTOR_FACTS_MODEL: 'qwen/qwen3-32b', PROSPECTOR_LEAD_COST_BUDGET_USD: '0.01' };
    expect(issues(env)).toEqual([{ path: 'PROSPECTOR_FACTS_MODEL', message: expect.stringMatching(/^qwen\/qwen3-32b has no price in the model table, so PROSPECTOR_LEAD_COST_BUDGET_USD could not be enforced \(it would cost \$0\)/) }]);
    // offline the model is never called, and without a dollar budget its price does not matter
    expect(issues({ ...env, GROQ_API_KEY: '' })).toEqual([]);
    expect(issues({ ...env, PROSPECTOR_LEAD_COST_BUDGET_USD: '' })).toEqual([]);
    const priced = loadLocalConfig({ PROSPECTOR_HOME: '/tmp/x', ...env, PROSPECTOR_MODEL_PRICES: 'qwen/qwen3-32b=0.29/0.59' });
    expect(priced.pipeline.modelPrices).toEqual({ 'qwen/qwen3-32b': { inputPerMillion: 0.29, outputPerMillion: 0.59 } });
    expect(callCostUsd('groq', 'qwen/qwen3-32b', 1_000_000, 1_000_000, priced.pipeline.modelPrices)).toBeCloseTo(0.88, 6);
    expect(issues({ PROSPECTOR_MODEL_PRICES: 'qwen=0.29' })).toEqual([{ path: 'PROSPECTOR_MODEL_PRICES', message: expect.stringContaining('"qwen=0.29" is not model=input/output') }]);
    expect(issues({ PROSPECTOR_ON_DAILY_LIMIT: 'retry' })).toEqual([{ path: 'PROSPECTOR_ON_DAILY_LIMIT', message: expect.any(String) }]);
  });

  it('parses explicit prices as model=input/output pairs', () => {
    expect(parseModelPrices(' a/b=0.1/0.2 , c=1/2,')).toEqual({ 'a/b': { inputPerMillion: 0.1, outputPerMillion: 0.2 }, c: { inputPerMillion: 1, outputPerMillion: 2 } });
    expect(() => parseModelPrices('a=$1/2')).toThrow(/"a=\$1\/2" is not model=input\/output/);
  });
});
