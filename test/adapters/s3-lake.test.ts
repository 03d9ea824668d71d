/** S3Lake with the real S3Client against a loopback S3 (test/fakes/fake-s3.ts). */
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { S3Lake, contentTypeFor } from '#adapters/s3-lake.ts';
import { lakeKeys } from '#core/lake-keys.ts';
import { FakeS3 } from '#test/fakes/fake-s3.ts';

describe('S3Lake', () => {
  let s3: FakeS3;
  beforeAll(async () => {
    s3 = await FakeS3.start({ pageSize: 2 });
  });
  afterAll(async () => {
    await s3.close();
  });
  afterEach(() => {
    s3.objects.clear();
  });

  const lake = (prefix?: string) => new S3Lake({ bucket: 'lake', prefix, client: s3.client() });

  it('stores raw HTML as the gzip file itself: gzip content type, no Content-Encoding', async () => {
    const key = lakeKeys.rawHtml('northwind.example', 'ab'.repeat(32));
    const gz = gzipSync('<html><body>Northwind</body></html>');

    await lake().put(key, gz);

    const stored = s3.objects.get(`lake/${key}`)!;
    expect(stored.contentType).toBe('application/gzip');
    expect(stored.contentEncoding).toBeUndefined();
    expect(stored.body.equals(gz)).toBe(true);
    const back = await lake().get(key);
    expect(gunzipSync(back!).toString()).toBe('<html><body>Northwind</body></html>');
  });

  it('stores strings as UTF-8 with the content type of the key or the caller', async () => {
    await lake().put('runs/r1/summary.json', '{"city":"Zürich"}');
    await lake().put('research/dt=2026-11-20/run=r1/part-l1.jsonl', '{}\n', { contentType: 'application/x-ndjson' });

    expect(s3.objects.get('lake/runs/r1/summary.json')?.contentType).toBe('application/json');
    expect((await lake().get('runs/r1/summary.json'))?.toString('utf8')).toBe('{"city":"Zürich"}');
    expect(s3.objects.get('lake/research/dt=2026-11-20/run=r1/part-l1.jsonl')?.contentType).toBe('application/x-ndjson');
  });

  it('answers undefined and false for a missing key', async () => {
    expect(await lake().get('clean/text/domain=x.example/none.md')).toBeUndefined();
    expect(await lake().exists('clean/text/domain=x.example/none.md')).toBe(false);
  });

  it('knows what exists', async () => {
    await lake().put('clean/text/domain=x.example/a.md', 'text');

    expect(await lake().exists('clean/text/domain=x.example/a.md')).toBe(true);
  });

  it('lists every key under a prefix across pages, sorted, relative to the lake prefix', async () => {
    const l = lake('tenant-a/');
    const keys = ['llm/dt=2026-11-20/c.json', 'llm/dt=2026-11-20/a.json', 'llm/dt=2026-11-21/b.json', 'llm/dt=2026-11-20/b.json', 'runs/r/summary.json'];
    for (const k of keys) await l.put(k, '{}');
    await lake().put('llm/dt=2026-11-20/other-tenant.json', '{}');
    s3.requests.length = 0;

    const listed = await l.list('llm/');

    expect(listed).toEqual(['llm/dt=2026-11-20/a.json', 'llm/dt=2026-11-20/b.json', 'llm/dt=2026-11-20/c.json', 'llm/dt=2026-11-21/b.json']);
    // Four keys, two per page: the adapter followed the continuation token.
    expect(s3.requests.filter((r) => r.query['list-type'] === '2').length).toBe(2);
    expect(await l.list('nothing/')).toEqual([]);
  });

  it('refuses keys the folder lake would refuse, and a prefix that is not a folder', async () => {
    await expect(lake().put('../escape.json', '{}')).rejects.toThrow(/plain relative key/);
    await expect(lake().get('/abs.json')).rejects.toThrow(/plain relative key/);
    expect(() => new S3Lake({ bucket: 'lake', prefix: 'no-slash' })).toThrow(/end with "\/"/);
  });

  it('names its location', () => {
    expect(lake('p/').location).toBe('s3://lake/p/');
  });

  it('picks content types by suffix', () => {
    expect(contentTypeFor('raw/meta/domain=x/abc.json')).toBe('application/json');
    expect(contentTypeFor('clean/text/domain=x/abc.md')).toBe('text/markdown; charset=utf-8');
    expect(contentTypeFor('inputs/leads/blob')).toBe('application/octet-stream');
  });
});
