/**
 * Knowledge documents split into passages: the units retrieval ranks and a response cites.
 *
 * Markdown is split at headings and blank lines; plain text at blank lines. Paragraphs of one
 * section are joined while they stay short (a FAQ answer of three short paragraphs is one
 * passage), and a paragraph longer than `MAX_PASSAGE_CHARS` is cut between sentences. Each
 * passage keeps the chain of headings above it ("Security > Single sign-on"), so the answer's
 * context travels with it.
 *
 * Passage ids are stable: `kp-<first 12 hex of the document's sha256>-<position>`. The same text
 * always gives the same ids, so a citation stays valid as long as the document is unchanged,
 * and an edited document gets new ids (a citation can never point at words that moved).
 */
import { createHash } from 'node:crypto';
import { splitSentences } from '../outreach/grounding.ts';

/** A passage longer than this is cut between sentences. */
export const MAX_PASSAGE_CHARS = 900;
// Paragraphs of one section are joined while the passage stays under this.
const JOIN_BELOW_CHARS = 600;

export type KnowledgeFormat = 'markdown' | 'text';

export interface Passage {
  /** stable id, `kp-<sha12>-<position>` */
  id: string;
  /** 1-based, in document order */
  position: number;
  /** the headings above the passage, outermost first, joined with " > "; null when none */
  heading: string | null;
  text: string;
}

/** SHA-256 hex of a document's text (the lake key and passage ids derive from it). */
export function contentSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The stable id of a document's passage. */
export function passageId(sha256: string, position: number): string {
  return `kp-${sha256.slice(0, 12)}-${position}`;
}

/** Markdown emphasis, inline code and links reduced to their words. */
function plainMarkdown(line: string): string {
  return line
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/`([^`]+)`/g, '$1');
}

interface Block {
  heading: string | null;
  text: string;
}

function blocks(text: string, format: KnowledgeFormat): Block[] {
  const out: Block[] = [];
  const headings: string[] = [];
  let lines: string[] = [];
  let inFence = false;
  const flush = () => {
    const t = lines.join('\n').trim();
    if (t) out.push({ heading: headings.filter(Boolean).join(' > ') || null, text: t });
    lines = [];
  };
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (format === 'markdown' && /^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    const heading = format === 'markdown' && !inFence ? /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line) : null;
    if (heading) {
      flush();
      const level = heading[1].length;
      headings.length = level - 1;
      headings[level - 1] = plainMarkdown(heading[2]).trim();
      continue;
    }
    if (line.trim() === '' && !inFence) {
      flush();
      continue;
    }
    lines.push(format === 'markdown' ? plainMarkdown(line) : line);
  }
  flush();
  return out;
}

/** Cuts a long paragraph between sentences into pieces of at most `MAX_PASSAGE_CHARS`. */
function cut(text: string): string[] {
  if (text.length <= MAX_PASSAGE_CHARS) return [text];
  const pieces: string[] = [];
  let current = '';
  for (const s of splitSentences(text)) {
    const sentence = s.text.length > MAX_PASSAGE_CHARS ? s.text.slice(0, MAX_PASSAGE_CHARS) : s.text;
    if (current && current.length + 1 + sentence.length > MAX_PASSAGE_CHARS) {
      pieces.push(current);
      current = '';
    }
    current = current ? `${current} ${sentence}` : sentence;
  }
  if (current) pieces.push(current);
  return pieces;
}

/** The passages of one document, in order, with stable ids. */
export function splitPassages(text: string, format: KnowledgeFormat, sha256 = contentSha256(text)): Passage[] {
  const joined: Block[] = [];
  for (const b of blocks(text, format)) {
    const last = joined.at(-1);
    if (last && last.heading === b.heading && last.text.length + b.text.length + 2 <= JOIN_BELOW_CHARS) last.text = `${last.text}\n\n${b.text}`;
    else joined.push({ ...b });
  }
  const out: Passage[] = [];
  for (const b of joined) {
    for (const piece of cut(b.text)) out.push({ id: passageId(sha256, out.length + 1), position: out.length + 1, heading: b.heading, text: piece });
  }
  return out;
}
