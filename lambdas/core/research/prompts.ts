/**
 * Versioned prompt templates. Each prompt lives in `prompts/<name>.v<N>.md` with `=== system ===`,
 * `=== user ===` and `=== format ===` sections and `{{placeholders}}`; the highest version of
 * each name is used and `PROMPT_VERSION` names them all, so a stored research record says
 * exactly which prompts produced it. Bundlers must ship the `prompts/` folder next to this
 * module (it is read relative to `import.meta.url`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { delimiterAttribute, neutraliseDelimiters } from './text.ts';

/** The prompts the engine needs. */
export const PROMPT_NAMES = ['facts', 'synthesis', 'repair'] as const;
export type PromptName = (typeof PROMPT_NAMES)[number];

export interface PromptTemplate {
  name: PromptName;
  /** e.g. `facts.v1` */
  id: string;
  system: string;
  user: string;
  /** the answer format described in words, sent when the model has no strict schema mode */
  format: string;
}

const SECTION = /^=== (system|user|format) ===$/gm;

/** Splits a prompt file into its sections. */
export function parsePromptFile(id: string, source: string): Omit<PromptTemplate, 'name'> {
  const parts: Record<string, string> = {};
  const marks = [...source.matchAll(SECTION)];
  marks.forEach((m, i) => {
    const from = (m.index ?? 0) + m[0].length;
    const to = i + 1 < marks.length ? (marks[i + 1].index ?? source.length) : source.length;
    parts[m[1]] = source.slice(from, to).trim();
  });
  if (!parts.system || !parts.user) throw new Error(`prompt ${id} needs "=== system ===" and "=== user ===" sections`);
  return { id, system: parts.system, user: parts.user, format: parts.format ?? '' };
}

/** Loads the highest version of each prompt from a folder. */
export function loadPrompts(dir: URL = new URL('./prompts/', import.meta.url)): Record<PromptName, PromptTemplate> {
  const best = new Map<PromptName, { version: number; file: string }>();
  for (const file of readdirSync(dir)) {
    const m = /^([a-z]+)\.v(\d+)\.md$/.exec(file);
    if (!m || !(PROMPT_NAMES as readonly string[]).includes(m[1])) continue;
    const name = m[1] as PromptName;
    const version = Number(m[2]);
    if ((best.get(name)?.version ?? -1) < version) best.set(name, { version, file });
  }
  const out = {} as Record<PromptName, PromptTemplate>;
  for (const name of PROMPT_NAMES) {
    const found = best.get(name);
    if (!found) throw new Error(`no prompt file ${name}.v<N>.md in ${dir.pathname}`);
    const id = `${name}.v${found.version}`;
    out[name] = { name, ...parsePromptFile(id, readFileSync(new URL(found.file, dir), 'utf8')) };
  }
  return out;
}

/** The prompts in use. */
export const PROMPTS: Readonly<Record<PromptName, PromptTemplate>> = loadPrompts();

/** Which prompts produced a result, e.g. `facts.v1+synthesis.v1+repair.v1`. */
export const PROMPT_VERSION: string = PROMPT_NAMES.map((n) => PROMPTS[n].id).join('+');

/**
 * Fills `{{name}}` placeholders in one pass, so a value that itself contains `{{...}}` (page
 * text can) is never expanded. A placeholder without a value is a programming error.
 */
export function renderTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`prompt placeholder {{${key}}} has no value`);
    return String(values[key]);
  });
}

/** Page metadata shown in a page block's opening delimiter. */
export interface PageBlockInfo {
  id: string;
  url: string;
  kind: string;
  title: string;
}

/**
 * One page as a delimited data block. The text is neutralised so it cannot close the block or
 * open another; metadata is reduced to attribute-safe characters.
 */
export function pageBlock(page: PageBlockInfo, text: string): string {
  const attrs = `id="${delimiterAttribute(page.id, 20)}" url="${delimiterAttribute(page.url)}" kind="${delimiterAttribute(page.kind, 30)}" title="${delimiterAttribute(page.title, 120)}"`;
  return `<<<PAGE ${attrs}>>>\n${neutraliseDelimiters(text)}\n<<<END PAGE ${delimiterAttribute(page.id, 20)}>>>`;
}

/** JSON for a data block: compact, with `<` escaped so no string inside can form a delimiter. */
export function blockJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
}

/** The line that marks a gap between selected passages of one page. */
export const GAP_LINE = '[...]';
