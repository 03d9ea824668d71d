/**
 * Retrieval: BM25 over a workspace's passages with minisearch, built from the stored passages
 * (no model weights, nothing to download). The index is small (a seller's FAQ and notes) and is
 * rebuilt per use from the database, so it is never stale after an onboarding.
 *
 * Ranking is deterministic for a query: BM25 score (minisearch's defaults, k1 1.2, b 0.7),
 * headings weighted twice the text, then passage id for ties. Words that carry no meaning in a
 * question ("do", "you", "our") are dropped before indexing and searching, words are reduced
 * by a light stemmer ("pricing", "priced" and "price" meet), and a query word matches a longer
 * indexed word it starts ("integrat" finds "integration") only from 5 characters on. `coverage` is the share of the query's words found in the passage: an answer
 * whose best passage covers less than `MIN_COVERAGE` of the question is handed to the rep.
 */
import MiniSearch from 'minisearch';
import type { Sql } from '../ports.ts';

/** A passage as retrieval reads it. */
export interface KnowledgePassage {
  id: string;
  documentTitle: string;
  heading: string | null;
  text: string;
}

export interface RetrievedPassage extends KnowledgePassage {
  score: number;
  /** the share of the query's words the passage matched, 0..1 */
  coverage: number;
}

/** Below this coverage the best passage does not answer the question: the rep does. */
export const MIN_COVERAGE = 0.5;

// English function words and question words: they match everywhere and decide nothing.
const STOP_WORDS = new Set(
  `a about above after again all am an and any are as at be been being but by can could did do does doing for from had has have having how i if in
   into is it its let me more most my no nor not of on or our ours please so some such than that the their them then there these they this those
   to too us very was we were what when where which while who whom why will with would you your yours hi hello thanks thank also just get got
   tell know let's i'm we're you're it's does don't can't much many`.split(/\s+/).filter(Boolean),
);

/**
 * A light English stemmer, enough for questions and FAQ headings to meet: plurals ("tiers",
 * "policies", "taxes") and -ing/-ed forms ("pricing", "priced", "price" all become "pric").
 * Short words are left alone ("sso", "sap", "gdpr").
 */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(?:ss|x|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** A word as indexed and searched: lower case, no stop words, no possessive, stemmed. */
function term(word: string): string | null {
  const t = word.toLowerCase().replace(/['’]s$/, '');
  return t.length < 2 || STOP_WORDS.has(t) ? null : stem(t);
}

/** The words of a query as the index sees them (for coverage and tests). */
export function queryTerms(query: string): string[] {
  const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];
  return [...new Set(tokenize(query).map(term).filter((t): t is string => t !== null))];
}

/** An index over one workspace's passages. */
export class KnowledgeIndex {
  private readonly search: MiniSearch<KnowledgePassage>;
  private readonly byId: Map<string, KnowledgePassage>;

  constructor(passages: KnowledgePassage[]) {
    this.byId = new Map(passages.map((p) => [p.id, p]));
    this.search = new MiniSearch<KnowledgePassage>({
      fields: ['heading', 'text', 'documentTitle'],
      extractField: (doc, field) => (doc as unknown as Record<string, string | null>)[field] ?? '',
      processTerm: term,
    });
    // Insertion order is part of minisearch's internal ids: sort so the same passages always
    // build the same index.
    this.search.addAll([...passages].sort((a, b) => a.id.localeCompare(b.id)));
  }

  get size(): number {
    return this.byId.size;
  }

  /** The best `limit` passages for a query, best first; ties by passage id. */
  retrieve(query: string, limit = 3): RetrievedPassage[] {
    const words = queryTerms(query);
    if (words.length === 0 || this.byId.size === 0) return [];
    const hits = this.search.search(query, {
      boost: { heading: 2, text: 1, documentTitle: 0.5 },
      prefix: (t) => t.length >= 5,
      combineWith: 'OR',
    });
    return hits
      .map((h) => {
        const matched = new Set(h.queryTerms);
        return { ...this.byId.get(String(h.id))!, score: Math.round(h.score * 1e6) / 1e6, coverage: words.filter((w) => matched.has(w)).length / words.length };
      })
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, limit);
  }
}

/** The active passages of a workspace, in document and passage order. */
export async function loadPassages(sql: Sql, workspaceId: string): Promise<KnowledgePassage[]> {
  const r = await sql.query<{ id: string; title: string; heading: string | null; text: string }>(
    `SELECT p.id, d.title, p.heading, p.text
       FROM knowledge_passage p JOIN knowledge_document d ON d.id = p.document_id
      WHERE p.workspace_id = :ws::uuid AND d.active
      ORDER BY d.title, p.position`,
    { ws: workspaceId },
  );
  return r.rows.map((p) => ({ id: p.id, documentTitle: p.title, heading: p.heading, text: p.text }));
}

/** The workspace's index, built from its stored passages. */
export async function loadKnowledgeIndex(sql: Sql, workspaceId: string): Promise<KnowledgeIndex> {
  return new KnowledgeIndex(await loadPassages(sql, workspaceId));
}
