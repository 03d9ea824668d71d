/**
 * Facts are not repeated, as a user sees them through the CLI (in this process, a temporary
 * PROSPECTOR_HOME, the sample web): Pipewright's banner line "Integration platform for
 * ERP-centric businesses." is on six of its pages, and becomes one fact whose sources are all six
 * pages, stored (fact_source) and listed by `show`, `export` and the HTML report.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeCliDatabases, prospector } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';

const BANNER = 'Integration platform for ERP-centric businesses.';
const PAGES = ['/', '/about', '/pricing', '/customers', '/careers', '/news'].map((p) => `https://pipewright.example${p}`);

describe('one fact, several sources', () => {
  let home: string;
  /** Runs one command; as execFile would, a command that fails throws (with its stderr). */
  const cli = async (args: string[]) => {
    const result = await prospector(args, { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', GROQ_API_KEY: '' });
    if (result.code !== 0) throw new Error(`prospector ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
    return result;
  };

  beforeAll(async () => {
    home = await migratedHome('prospector-fact-sources-');
    const leads = join(home, 'leads.json');
    await writeFile(leads, JSON.stringify([{ company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' }]));
    await cli(['onboard', '--sample']);
    await cli(['run', '--leads', leads, '--json']);
  }, 240_000);
  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('the repeated line is stored once, with the other pages as further sources', async () => {
    const facts = JSON.parse((await cli(['query', `SELECT f.id, f.source_url FROM fact f WHERE f.quote = '${BANNER}'`, '--json'])).stdout);
    expect(facts).toHaveLength(1);
    const sources = JSON.parse((await cli(['query', `SELECT ord, source_url FROM fact_source WHERE fact_id = '${facts[0].id}' ORDER BY ord`, '--json'])).stdout);
    expect([facts[0].source_url, ...sources.map((s: { source_url: string }) => s.source_url)].sort()).toEqual([...PAGES].sort());
    expect(sources.map((s: { ord: number }) => s.ord)).toEqual([2, 3, 4, 5, 6]);
    // no other quote is stored twice for the research either
    const repeated = JSON.parse((await cli(['query', 'SELECT quote, count(*)::int AS n FROM fact GROUP BY research_id, quote HAVING count(*) > 1', '--json'])).stdout);
    expect(repeated).toEqual([]);
  }, 60_000);

  test('show and export list every source', async () => {
    const shown = JSON.parse((await cli(['show', 'florian.maier@pipewright.example', '--json'])).stdout);
    const fact = shown.latest.facts.filter((f: { quote: string }) => f.quote === BANNER);
    expect(fact).toHaveLength(1);
    expect([fact[0].sourceUrl, ...fact[0].alsoFoundOn.map((a: { sourceUrl: string }) => a.sourceUrl)].sort()).toEqual([...PAGES].sort());
    for (const a of fact[0].alsoFoundOn) expect(a.cleanKey).toMatch(/^clean\/text\/domain=pipewright\.example\/[0-9a-f]{64}\.md$/);

    const text = (await cli(['show', 'florian.maier@pipewright.example'])).stdout;
    expect(text.split(`"${BANNER}"`)).toHaveLength(2);
    for (const a of fact[0].alsoFoundOn) expect(text).toContain(`also on: ${a.sourceUrl} (stored text: ${a.cleanKey})`);

    const record = JSON.parse((await cli(['export'])).stdout.trim().split('\n')[0]);
    const exported = record.facts.filter((f: { quote: string }) => f.quote === BANNER);
    expect(exported).toHaveLength(1);
    expect([exported[0].sourceUrl, ...exported[0].alsoFoundOn].sort()).toEqual([...PAGES].sort());
  }, 60_000);

  test('the report shows the fact once, linking every page and its stored text', async () => {
    const written = JSON.parse((await cli(['report', '--json'])).stdout);
    const html = await readFile(written.file, 'utf8');
    expect(html.split(`<blockquote>${BANNER}</blockquote>`)).toHaveLength(2);
    const fact = html.slice(html.indexOf(`<blockquote>${BANNER}</blockquote>`));
    const block = fact.slice(0, fact.indexOf('<div class="fact"') > 0 ? fact.indexOf('<div class="fact"') : fact.indexOf('</details>'));
    for (const url of PAGES.slice(1)) expect(block).toContain(`also on: <a href="${url}">${url}</a> · <a href="../lake/clean/text/domain=pipewright.example/`);
  }, 60_000);
});
