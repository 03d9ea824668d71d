/**
 * The lean tree (lambdas/core/clean/light-dom.ts) against linkedom's: the cleaner's whole output
 * (text, title, metadata, JSON-LD, links, method) is the same on both, for the sample web's
 * homepages, the fixtures and part of the corpus of real pages, cleaned as a homepage (the lean
 * tree throughout) and as an article (the lean tree only when Readability's choice is dropped);
 * and the quirks of linkedom's DOM that the cleaner can see are kept one by one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { cleanPage, type PageKind } from '#core/clean/clean.ts';
import { parseLight, type LightElement } from '#core/clean/light-dom.ts';
import { DEFAULT_CORPUS_DIR } from '../../bench/cleanup.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'html');
const SITES = join(import.meta.dirname, '..', '..', 'local', 'sample-web', 'sites');

/** Every page under test: each sample site's homepage, every fixture, every fifth corpus page. */
function pages(): [string, string][] {
  const out: [string, string][] = [];
  for (const site of readdirSync(SITES)) {
    const home = join(SITES, site, 'index.html');
    if (existsSync(home)) out.push([`sample ${site}`, readFileSync(home, 'utf8')]);
  }
  for (const name of readdirSync(FIXTURES)) if (name.endsWith('.html')) out.push([`fixture ${name}`, readFileSync(join(FIXTURES, name), 'utf8')]);
  if (existsSync(DEFAULT_CORPUS_DIR)) {
    readdirSync(DEFAULT_CORPUS_DIR)
      .sort()
      .filter((_, i) => i % 5 === 0)
      .forEach((name) => out.push([`corpus ${name}`, readFileSync(join(DEFAULT_CORPUS_DIR, name, 'source.html'), 'utf8')]));
  }
  return out;
}

const EDGES: [string, string][] = [
  ['empty', ''],
  ['bare text', 'just text, no markup'],
  ['a fragment', '<p>one</p><p>two</p>'],
  ['no body element', '<html><head><title>t</title></head><div>content after head</div></html>'],
  ['text between head and body', '<html><head></head>loose<body><p>b</p></body></html>'],
  ['svg before the page', '<svg><head></head><title>icon</title></svg><p>after</p>'],
  ['repeated and padded classes', '<html><body><nav class=" menu  menu nav "><a href="/x">X</a></nav><p class="lead">Body text here.</p></body></html>'],
  ['comments and CDATA', '<html><body><!-- hidden --><p>shown<![CDATA[ not data ]]></p></body></html>'],
  ['stray closing tags', '</p></br><p>x</div><span>y'],
  ['attribute case', '<html LANG="de"><body><p Class="x" data-A="1">Text</p></body></html>'],
];

const textOf = async (html: string, kind: PageKind, dom: 'lean' | 'linkedom') => JSON.stringify(await cleanPage(html, 'https://www.example.com/about', { kind, dom }));

describe('the lean tree gives the cleaner what linkedom gives it', () => {
  const all = [...pages(), ...EDGES];

  it('reads enough pages to mean something', () => {
    expect(all.length).toBeGreaterThan(40);
  });

  const same = async (kind: PageKind, set: [string, string][]) => {
    const differ: string[] = [];
    for (const [name, html] of set) if ((await textOf(html, kind, 'lean')) !== (await textOf(html, kind, 'linkedom'))) differ.push(name);
    expect(differ).toEqual([]);
  };

  it('the same cleaned page on both trees, cleaned as a homepage', () => same('home', all));

  // Readability reads linkedom's tree on both sides; the lean tree comes in where its choice is
  // dropped, which happens on company pages, not on the corpus's articles.
  it('the same cleaned page on both trees, cleaned as an article', () => same('other', all.filter(([name]) => !name.startsWith('corpus'))));
});

describe("linkedom's quirks, kept", () => {
  const both = (html: string) => [parseLight(html), new DOMParser().parseFromString(html, 'text/html') as unknown as ReturnType<typeof parseLight>];

  it("class reads as its tokens once each, and as '' when there is none; other attributes as written", () => {
    for (const doc of both('<html><body><p class=" a  b a " data-X="1">t</p><i>u</i></body></html>')) {
      const p = doc.body.firstChild as LightElement;
      expect(p.getAttribute('class')).toBe('a b');
      expect(p.getAttribute('data-X')).toBe('1');
      expect(p.getAttribute('data-x')).toBeNull();
      expect(p.hasAttribute('data-X')).toBe(true);
      const i = p.nextSibling as LightElement;
      expect(i.getAttribute('class')).toBe('');
      expect(i.hasAttribute('class')).toBe(false);
      expect(i.getAttribute('title')).toBeNull();
    }
  });

  it('makes head and body when the page has none, where linkedom puts them', () => {
    for (const doc of both('<html><div>x</div></html>')) {
      const root = doc.documentElement!;
      expect(doc.body.localName).toBe('body');
      expect((root.firstChild as LightElement).localName).toBe('head');
      expect((root.firstChild!.nextSibling as LightElement).localName).toBe('body');
      expect((root.firstChild!.nextSibling!.nextSibling as LightElement).localName).toBe('div');
      expect(doc.body.textContent).toBe('');
    }
  });

  it("an element's text is its text and CDATA, never its comments; tag names read upper-cased, SVG's too", () => {
    for (const doc of both('<html><body><p>a<!-- b --><b>c</b></p><svg><linearGradient/></svg></body></html>')) {
      const p = doc.body.firstChild as LightElement;
      expect(p.textContent).toBe('ac');
      const svg = p.nextSibling as LightElement;
      expect(svg.tagName).toBe('SVG');
      expect(p.tagName).toBe('P');
    }
  });

  it('a page nested 20,000 elements deep is cleaned as on linkedom (no recursion to overflow)', async () => {
    const depth = 20_000;
    const html = `<html><body>${'<div>x'.repeat(depth)}${'</div>'.repeat(depth)}</body></html>`;
    expect(parseLight(html).body.textContent).toBe('x'.repeat(depth));
    const lean = await cleanPage(html, 'https://www.example.com/', { kind: 'home' });
    expect(lean.text).toContain('xxxx');
    expect(lean).toEqual(await cleanPage(html, 'https://www.example.com/', { kind: 'home', dom: 'linkedom' }));
  });

  it('remove() takes a node out and keeps its siblings linked', () => {
    for (const doc of both('<html><body><i>1</i><b>2</b><u>3</u></body></html>')) {
      const b = doc.body.firstChild!.nextSibling as LightElement;
      b.remove();
      expect(doc.body.textContent).toBe('13');
      expect((doc.body.firstChild!.nextSibling as LightElement).localName).toBe('u');
    }
  });
});
