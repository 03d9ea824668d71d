/** A fetched page's raw HTML as stored in the lake, decoded with the charset the fetcher found. */
import { gunzipSync } from 'node:zlib';
import { NoContentError } from '../errors.ts';
import { pickDecoder } from '../net/charset.ts';
import type { Lake } from '../ports.ts';
import { readPageMeta } from './page-sidecars.ts';

export type MetaCache = Parameters<typeof readPageMeta>[3];

/**
 * Decodes stored bytes with the charset the fetcher found (kept in raw/meta: the site's JSONL
 * object for the run, found by the body's sha256, or an older per-page object).
 */
export async function loadHtml(lake: Lake, page: { rawKey: string; metaKey: string | null; contentSha256: string | null }, metaCache?: MetaCache): Promise<string> {
  const raw = await lake.get(page.rawKey);
  if (!raw) throw new NoContentError(`lake object ${page.rawKey} is missing`);
  const body = gunzipSync(raw);
  const m = await readPageMeta(lake, page.metaKey, page.contentSha256, metaCache);
  // The charset the fetcher settled on wins; the header is the fallback for older records.
  const contentType = m ? (m.charset ? `text/html; charset=${m.charset}` : (m.contentType ?? '')) : '';
  return pickDecoder(contentType, body).decoder.decode(body);
}
