/**
 * A lean document tree for the pages the cleaner only reads: built from the same htmlparser2
 * events, with the same options, as linkedom's `DOMParser` builds its tree
 * (linkedom/esm/shared/parse-from-string.js), so every node, attribute and text run is the one
 * linkedom would make, without what makes linkedom's nodes costly for a page read once: an
 * `EventTarget` with a `WeakMap` entry and a `Map` for every node and every attribute (about half
 * of linkedom's parse time on the sample web), a node object per attribute, a `DOMTokenList` per
 * class read.
 *
 * It answers the little the cleaner touches (clean.ts, "Minimal DOM surface") exactly as linkedom
 * answers it, quirks included, because the cleaner's text must not depend on which tree it read:
 * - `getAttribute('class')` is the class's tokens, each once, joined by one space, and `''` when
 *   the element has no class (linkedom reads `className`); other names match as written
 *   (attribute names keep their case) and give the value as written;
 * - `textContent` of an element is its descendants' text and CDATA, not comments;
 * - `documentElement` is the document's first element; `body` is the element after `head`, and
 *   both are made (and inserted) when missing, as linkedom's getters do;
 * - `tagName` is the upper-cased name, SVG's elements' too (an HTML document's rule in linkedom).
 * Pages that go through Readability keep linkedom's full DOM: Readability needs far more of it.
 * test/clean/light-dom.test.ts checks the cleaner's output is the same on both trees over the
 * sample web's homepages, the fixtures, part of the corpus of real pages and edge cases.
 */
import { Parser } from 'htmlparser2';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const COMMENT_NODE = 8;

abstract class LightParent {
  firstChild: LightNode | null = null;
  lastChild: LightNode | null = null;

  /** Appends `node` as the last child. */
  append(node: LightNode): LightNode {
    node.parentNode = this;
    node.previousSibling = this.lastChild;
    node.nextSibling = null;
    if (this.lastChild) this.lastChild.nextSibling = node;
    else this.firstChild = node;
    this.lastChild = node;
    return node;
  }

  /** Inserts `node` before `ref` (a child of this node), or last when `ref` is null. */
  insertBefore(node: LightNode, ref: LightNode | null): void {
    if (!ref) {
      this.append(node);
      return;
    }
    node.parentNode = this;
    node.nextSibling = ref;
    node.previousSibling = ref.previousSibling;
    if (ref.previousSibling) ref.previousSibling.nextSibling = node;
    else this.firstChild = node;
    ref.previousSibling = node;
  }

  get firstElementChild(): LightElement | null {
    for (let n = this.firstChild; n; n = n.nextSibling) if (n instanceof LightElement) return n;
    return null;
  }
}

abstract class LightChild extends LightParent {
  abstract readonly nodeType: number;
  parentNode: LightParent | null = null;
  nextSibling: LightNode | null = null;
  previousSibling: LightNode | null = null;

  remove(): void {
    const parent = this.parentNode;
    if (!parent) return;
    if (this.previousSibling) this.previousSibling.nextSibling = this.nextSibling;
    else parent.firstChild = this.nextSibling;
    if (this.nextSibling) this.nextSibling.previousSibling = this.previousSibling;
    else parent.lastChild = this.previousSibling;
    this.parentNode = this.nextSibling = this.previousSibling = null;
  }

  get nextElementSibling(): LightElement | null {
    for (let n = this.nextSibling; n; n = n.nextSibling) if (n instanceof LightElement) return n;
    return null;
  }
}

/** Text, CDATA or a comment. */
export class LightCharacterData extends LightChild {
  constructor(
    readonly nodeType: number,
    public data: string,
  ) {
    super();
  }

  get textContent(): string {
    return this.data;
  }
}

export class LightElement extends LightChild {
  readonly nodeType = ELEMENT_NODE;
  readonly #attributes: Record<string, string>;
  readonly #className: string;

  constructor(
    readonly localName: string,
    attributes: Record<string, string>,
  ) {
    super();
    this.#attributes = attributes;
    // linkedom sets `className` from the attribute: its tokens, each once, joined by one space
    this.#className = Object.hasOwn(attributes, 'class') ? [...new Set(attributes.class.split(/\s+/).filter(Boolean))].join(' ') : '';
  }

  get tagName(): string {
    return this.localName.toUpperCase();
  }

  getAttribute(name: string): string | null {
    if (name === 'class') return this.#className;
    return Object.hasOwn(this.#attributes, name) ? this.#attributes[name] : null;
  }

  hasAttribute(name: string): boolean {
    return Object.hasOwn(this.#attributes, name);
  }

  /**
   * Its descendants' text and CDATA in document order. A loop, as linkedom's is: the cleaner asks
   * for the text of whatever lies below its depth limits, however deep a hostile page nests.
   */
  get textContent(): string {
    const text: string[] = [];
    let n: LightNode | null = this.firstChild;
    while (n) {
      if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) text.push((n as LightCharacterData).data);
      if (n.firstChild) {
        n = n.firstChild;
        continue;
      }
      while (n && !n.nextSibling) n = n.parentNode === this ? null : (n.parentNode as LightNode | null);
      n = n ? n.nextSibling : null;
    }
    return text.join('');
  }
}

export type LightNode = LightElement | LightCharacterData;

export class LightDocument extends LightParent {
  readonly nodeType = 9;
  readonly parentNode = null;
  readonly nextSibling = null;
  readonly textContent = null;

  get documentElement(): LightElement | null {
    return this.firstElementChild;
  }

  /** As linkedom's getter: the first child of the root if it is `head`, else a new one put first. */
  get head(): LightElement {
    const root = this.documentElement!;
    let head = root.firstElementChild;
    if (!head || head.tagName !== 'HEAD') {
      head = new LightElement('head', {});
      root.insertBefore(head, root.firstChild);
    }
    return head;
  }

  /** As linkedom's getter: the element after `head` if it is `body`, else a new one put there. */
  get body(): LightElement {
    const head = this.head;
    let body = head.nextElementSibling;
    if (!body || body.tagName !== 'BODY') {
      body = new LightElement('body', {});
      head.parentNode!.insertBefore(body, head.nextSibling);
    }
    return body;
  }
}

/** Parses `html` as linkedom's `DOMParser` does for text/html, into the lean tree. */
export function parseLight(html: string): LightDocument {
  const document = new LightDocument();
  let node: LightParent = document;
  let cdata = false;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        node = node.append(new LightElement(name, attributes)) as LightElement;
      },
      oncomment(data) {
        node.append(new LightCharacterData(COMMENT_NODE, data));
      },
      ontext(text) {
        node.append(new LightCharacterData(cdata ? CDATA_SECTION_NODE : TEXT_NODE, text));
      },
      oncdatastart() {
        cdata = true;
      },
      oncdataend() {
        cdata = false;
      },
      onclosetag() {
        node = (node as LightElement).parentNode ?? document;
      },
    },
    { lowerCaseAttributeNames: false, decodeEntities: true, xmlMode: false },
  );
  parser.write(html);
  parser.end();
  return document;
}
