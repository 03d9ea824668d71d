/** A fetched page's raw HTML as stored in the lake, decoded with the charset the fetcher found. */
import { gunzipSync } from 'node:zlib';
import { NoContentError } from '../errors.ts';
import { pickDecoder } from '../net/charset.ts';
import type { Lake } from '../ports.ts';

/** Decodes stored bytes with the charset the fetcher found (kept in raw/meta). */
export async function loadHtml(lake: Lake, rawKey: string, metaKey: string | null): Promise<string> {
  const raw = await lake.get(rawKey);
  if (!raw) throw new NoContentError(`lake object ${rawKey} is missing`);
  const body = gunzipSync(raw);
  let contentType = '';
  if (metaKey) {
    const meta = await lake.get(metaKey);
    if (meta) {
      const m = JSON.parse(meta.toString('utf8')) as { charset?: string; contentType?: string };
      // The charset the fetcher settled on wins; the header is the fallback for older records.
      contentType = m.charset ? `text/html; charset=${m.charset}` : (m.contentType ?? '');
    }
  }
  return pickDecoder(contentType, body).decoder.decode(body);
}
