/**
 * A lead provider backed by a JSON directory: the bundled sample directory locally, or any file or
 * in-memory list in tests. It returns entries exactly as stored (possibly malformed); validation
 * and normalization are the pipeline's job, as they would be for any third-party provider.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import type { LeadCandidate, LeadSearch } from '../core/ports.ts';

/** One directory row: a lead candidate plus the tags search matches on. */
export interface DirectoryEntry extends LeadCandidate {
  title?: string;
  keywords: string[];
}

export interface DirectoryLeadSearchOptions {
  /** use these entries instead of reading a file */
  entries?: DirectoryEntry[];
  /** JSON file holding an array of entries; default the bundled sample directory */
  file?: string;
  /** most leads returned per call, default 100 */
  limitPerQuery?: number;
}

/** The bundled sample directory that ships with the local stack. */
export const BUNDLED_DIRECTORY_FILE = join(import.meta.dirname, '..', '..', 'local', 'data', 'lead-directory.json');

const DEFAULT_LIMIT = 100;

/** Lead search over a keyword-tagged directory of leads. */
export class DirectoryLeadSearch implements LeadSearch {
  readonly name = 'bundled-directory';
  private readonly file: string;
  private readonly limit: number;
  private entries: Promise<DirectoryEntry[]> | undefined;

  constructor(options: DirectoryLeadSearchOptions = {}) {
    this.file = options.file ?? BUNDLED_DIRECTORY_FILE;
    this.limit = options.limitPerQuery ?? DEFAULT_LIMIT;
    if (!Number.isInteger(this.limit) || this.limit < 0) throw new RangeError(`limitPerQuery must be a non-negative integer, got ${this.limit}`);
    if (options.entries) this.entries = Promise.resolve(options.entries.map(checkEntry));
  }

  /** Entries whose keywords or company name contain any query keyword as a whole word or phrase. */
  async searchLeads(keywords: string[]): Promise<LeadCandidate[]> {
    const patterns = keywords.map(keywordPattern).filter((p): p is RegExp => p !== undefined);
    if (patterns.length === 0 || this.limit === 0) return [];
    const out: LeadCandidate[] = [];
    for (const entry of await this.load()) {
      const haystacks = [entry.company_name, ...entry.keywords];
      if (!patterns.some((p) => haystacks.some((h) => p.test(h)))) continue;
      out.push({
        company_name: entry.company_name,
        company_website: entry.company_website,
        lead_email: entry.lead_email,
        lead_name: entry.lead_name,
        ...(entry.title ? { title: entry.title } : {}),
      });
      if (out.length >= this.limit) break;
    }
    return out;
  }

  private load(): Promise<DirectoryEntry[]> {
    // Read on first use so constructing the adapter (e.g. in a composition root) costs nothing.
    this.entries ??= readDirectory(this.file);
    return this.entries;
  }
}

async function readDirectory(file: string): Promise<DirectoryEntry[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ValidationError(`lead directory ${file}`, [{ path: '', message: err instanceof Error ? err.message : String(err) }]);
  }
  if (!Array.isArray(parsed)) throw new ValidationError(`lead directory ${file}`, [{ path: '', message: 'expected a JSON array of entries' }]);
  return parsed.map((entry, i) => checkEntry(entry, i));
}

const STRING_FIELDS = ['company_name', 'company_website', 'lead_email', 'lead_name'] as const;

// Only the shape is checked: the values are provider data and may be invalid on purpose.
function checkEntry(entry: unknown, index: number): DirectoryEntry {
  const issues: { path: string; message: string }[] = [];
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    issues.push({ path: `[${index}]`, message: 'expected an object' });
  } else {
    const e = entry as Record<string, unknown>;
    for (const field of STRING_FIELDS) if (typeof e[field] !== 'string') issues.push({ path: `[${index}].${field}`, message: 'expected a string' });
    if (e.title !== undefined && typeof e.title !== 'string') issues.push({ path: `[${index}].title`, message: 'expected a string' });
    if (!Array.isArray(e.keywords) || e.keywords.some((k) => typeof k !== 'string')) issues.push({ path: `[${index}].keywords`, message: 'expected an array of strings' });
  }
  if (issues.length > 0) throw new ValidationError('lead directory entry', issues);
  return entry as DirectoryEntry;
}

function keywordPattern(keyword: string): RegExp | undefined {
  const words = keyword.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const body = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+');
  // Letters and digits on either side would make it part of a longer word ("saas" in "saasy").
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'iu');
}
