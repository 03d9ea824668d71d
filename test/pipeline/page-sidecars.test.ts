/**
 * The lake's per-site sidecar objects (pipeline/page-sidecars.ts): one metadata object per
 * fetch and one signals object per company and run, read by page hash, with the older
 * one-object-a-page layout still readable so earlier runs replay and compare unchanged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import { lakeKeys } from '#core/lake-keys.ts';
import { readPageMeta, readPageSignals, readSiteSignals, siteMetaBody, type PageMeta } from '#core/pipeline/page-sidecars.ts';

const RUN = '11111111-1111-4111-8111-111111111111';
const meta = (sha256: string, charset: string): PageMeta => ({
  sha256, url: `https://acme.example/${sha256}`, finalUrl: `https://acme.example/${sha256}`, status: 200, contentType: 'text/html', charset,
  headers: {}, redirects: [], bytes: 10, fetchedAt: '2026-12-02T00:00:00.000Z', elapsedMs: 5,
});

describe('page sidecars in the lake', () => {
  let dir: string;
  let lake: FolderLake;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sidecars-'));
    lake = new FolderLake(dir);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("finds a page's metadata in its site's JSONL object by body hash, reading the object once", async () => {
    const key = lakeKeys.siteMeta('acme.example', RUN);
    await lake.put(key, siteMetaBody([meta('a'.repeat(64), 'windows-1252'), meta('b'.repeat(64), 'utf-8')]));
    let gets = 0;
    const get = lake.get.bind(lake);
    lake.get = async (k) => (gets++, get(k));
    const cache = new Map();
    expect((await readPageMeta(lake, key, 'a'.repeat(64), cache))?.charset).toBe('windows-1252');
    expect((await readPageMeta(lake, key, 'b'.repeat(64), cache))?.charset).toBe('utf-8');
    expect(await readPageMeta(lake, key, 'c'.repeat(64), cache)).toBeUndefined();
    expect(gets).toBe(1);
  });

  it('still reads the older one-object-a-page metadata and signals', async () => {
    const legacyMeta = lakeKeys.rawMeta('acme.example', 'd'.repeat(64));
    await lake.put(legacyMeta, JSON.stringify({ url: 'https://acme.example/', charset: 'iso-8859-1' }));
    expect((await readPageMeta(lake, legacyMeta, 'd'.repeat(64)))?.charset).toBe('iso-8859-1');
    expect(await readPageMeta(lake, null, 'd'.repeat(64))).toBeUndefined();

    await lake.put(lakeKeys.signals('acme.example', 'e'.repeat(64)), JSON.stringify({ url: 'https://acme.example/', kind: 'home', title: 'Old layout' }));
    const site = await readSiteSignals(lake, 'acme.example', RUN);
    expect(site.size).toBe(0);
    expect((await readPageSignals(lake, 'acme.example', 'e'.repeat(64), site))?.title).toBe('Old layout');
  });

  it("prefers the run's site object and is undefined where neither layout has the page", async () => {
    await lake.put(lakeKeys.siteSignals('acme.example', RUN), JSON.stringify({ ['f'.repeat(64)]: { url: 'https://acme.example/pricing', kind: 'pricing', title: 'Pricing', signals: { technologies: [{ name: 'Stripe' }] } } }));
    const site = await readSiteSignals(lake, 'acme.example', RUN);
    expect((await readPageSignals(lake, 'acme.example', 'f'.repeat(64), site))?.signals).toEqual({ technologies: [{ name: 'Stripe' }] });
    expect(await readPageSignals(lake, 'acme.example', '0'.repeat(64), site)).toBeUndefined();
  });
});
