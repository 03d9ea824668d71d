/**
 * Knowledge documents from the onboarding file into the lake and the database.
 *
 * - `readKnowledgeFiles`: an entry given by `path` is read relative to the onboarding file, as
 *   UTF-8 markdown or text, within `MAX_KNOWLEDGE_CHARS`; every problem (missing file, a folder,
 *   binary content, too large, the same text twice) is reported at once, naming the entry.
 * - `storeKnowledge` (inside the onboarding transaction): each document goes to the lake under
 *   `knowledge/<workspace>/<sha256>.md` (content-addressed, so re-onboarding writes the same
 *   object; an import with no lake keeps it in the database only), and gets a row and its passages. The same text keeps its row and passage ids; a
 *   document no longer in the file is deactivated (responses that cited it keep their evidence).
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ProspectorError, ValidationError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { Lake, Sql } from '../ports.ts';
import { textArray } from '../db/sql-text.ts';
import { MAX_KNOWLEDGE_CHARS, type Onboarding } from '../onboarding/schema.ts';
import { contentSha256, splitPassages, type KnowledgeFormat } from './passages.ts';

type KnowledgeEntry = Onboarding['knowledge'][number];

/** The format of an entry: as given, else from its file's extension, else markdown. */
export function knowledgeFormat(entry: KnowledgeEntry): KnowledgeFormat {
  if (entry.format) return entry.format;
  return entry.path && entry.path.toLowerCase().endsWith('.txt') ? 'text' : 'markdown';
}

/**
 * Reads the `path` entries of `onboarding.knowledge` (relative to `baseDir`) into their `text`.
 * Throws one `ValidationError` naming every entry that cannot be read.
 */
/**
 * Onboarding text that did not come from a file on this machine (the web app's upload) must carry
 * each knowledge document's text: a `path` there would read whatever file the server can see.
 */
export function refuseKnowledgePaths(onboarding: Onboarding, what: string): Onboarding {
  const issues = onboarding.knowledge.flatMap((entry, i) =>
    entry.path ? [{ path: `knowledge[${i}].path`, message: 'give the document\'s text here (`text:`); paths are read only by `prospector onboard FILE` on the machine that holds them' }] : [],
  );
  if (issues.length) throw new ValidationError(what, issues);
  return onboarding;
}

export async function readKnowledgeFiles(onboarding: Onboarding, baseDir: string, what = 'onboarding file'): Promise<Onboarding> {
  const issues: { path: string; message: string }[] = [];
  const knowledge: KnowledgeEntry[] = [];
  for (const [i, entry] of onboarding.knowledge.entries()) {
    if (!entry.path) {
      knowledge.push(entry);
      continue;
    }
    const at = `knowledge[${i}].path`;
    const file = path.resolve(baseDir, entry.path);
    try {
      const info = await stat(file);
      if (!info.isFile()) {
        issues.push({ path: at, message: `${entry.path} is not a file` });
        continue;
      }
      // UTF-8 takes at most 4 bytes a character: a bigger file cannot fit the cap.
      if (info.size > MAX_KNOWLEDGE_CHARS * 4) {
        issues.push({ path: at, message: `${entry.path} is ${info.size} bytes; a knowledge document may have at most ${MAX_KNOWLEDGE_CHARS} characters` });
        continue;
      }
      const bytes = await readFile(file);
      if (bytes.includes(0)) {
        issues.push({ path: at, message: `${entry.path} is not a text file (it contains NUL bytes)` });
        continue;
      }
      let text: string;
      try {
        // Trimmed as the schema trims inline text, so a loaded file parses again to the same text (and hash).
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '').trim();
      } catch {
        issues.push({ path: at, message: `${entry.path} is not valid UTF-8 text` });
        continue;
      }
      if (!text.trim()) issues.push({ path: at, message: `${entry.path} is empty` });
      else if (text.length > MAX_KNOWLEDGE_CHARS) issues.push({ path: at, message: `${entry.path} has ${text.length} characters; at most ${MAX_KNOWLEDGE_CHARS} are allowed` });
      else if (entry.text && entry.text !== text) issues.push({ path: `knowledge[${i}].text`, message: `give path or text, not both: the text differs from ${entry.path}` });
      else knowledge.push({ ...entry, text });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      issues.push({ path: at, message: code === 'ENOENT' ? `${entry.path} not found (paths are relative to the onboarding file)` : `${entry.path} cannot be read (${code ?? (error as Error).message})` });
    }
  }
  const seen = new Map<string, number>();
  onboarding.knowledge.forEach((entry, i) => {
    const text = entry.path ? knowledge.find((k) => k === entry || (k.path === entry.path && k.title === entry.title))?.text : entry.text;
    if (!text) return;
    const sha = contentSha256(text);
    const prior = seen.get(sha);
    if (prior !== undefined) issues.push({ path: `knowledge[${i}]`, message: `has the same text as knowledge[${prior}] ("${onboarding.knowledge[prior].title}")` });
    else seen.set(sha, i);
  });
  if (issues.length > 0) throw new ValidationError(what, issues);
  return { ...onboarding, knowledge };
}

/** What `storeKnowledge` did. */
export interface KnowledgeSummary {
  documents: number;
  passages: number;
  /** documents no longer in the file, switched off */
  deactivated: number;
}

/** Stores the workspace's knowledge documents (their `text` already read); see the module comment. */
export async function storeKnowledge(
  tx: Sql,
  lake: Lake | undefined,
  workspaceId: string,
  entries: KnowledgeEntry[],
  newId: () => string = randomUUID,
): Promise<KnowledgeSummary> {
  const hashes: string[] = [];
  let passages = 0;
  for (const [i, entry] of entries.entries()) {
    if (!entry.text) throw new ProspectorError(`knowledge[${i}] ("${entry.title}"): its file ${entry.path ?? ''} was not read; load the onboarding file with loadOnboardingFile`);
    const sha = contentSha256(entry.text);
    const format = knowledgeFormat(entry);
    // Without a lake (an import through the Data API from a laptop) the database alone keeps it.
    const key = lake ? lakeKeys.knowledge(workspaceId, sha) : null;
    if (lake && key) await lake.put(key, entry.text, { contentType: format === 'markdown' ? 'text/markdown; charset=utf-8' : 'text/plain; charset=utf-8' });
    const row = await tx.query<{ id: string }>(
      `INSERT INTO knowledge_document (id, workspace_id, title, format, source, content_sha256, lake_key, chars)
       VALUES (:id::uuid, :ws::uuid, :title, :format, :source, :sha, :key, :chars)
       ON CONFLICT (workspace_id, content_sha256) DO UPDATE SET
         title = EXCLUDED.title, format = EXCLUDED.format, source = EXCLUDED.source, active = true,
         lake_key = coalesce(EXCLUDED.lake_key, knowledge_document.lake_key), updated_at = now()
       RETURNING id`,
      { id: newId(), ws: workspaceId, title: entry.title, format, source: entry.path ?? 'inline', sha, key, chars: entry.text.length },
    );
    const documentId = row.rows[0].id;
    const split = splitPassages(entry.text, format, sha);
    if (split.length === 0) throw new ProspectorError(`knowledge[${i}] ("${entry.title}") has no text to answer from`);
    // The passages are a function of the text: written once, left alone when the text is unchanged.
    for (const p of split) {
      await tx.query(
        `INSERT INTO knowledge_passage (workspace_id, id, document_id, position, heading, text)
         VALUES (:ws::uuid, :id, :doc::uuid, :position, :heading, :text)
         ON CONFLICT (workspace_id, id) DO NOTHING`,
        { ws: workspaceId, id: p.id, doc: documentId, position: p.position, heading: p.heading, text: p.text },
      );
    }
    hashes.push(sha);
    passages += split.length;
  }
  const off = await tx.query<{ id: string }>(
    `UPDATE knowledge_document SET active = false, updated_at = now()
      WHERE workspace_id = :ws::uuid AND active AND content_sha256 <> ALL (${textArray('hashes')}) RETURNING id`,
    { ws: workspaceId, hashes },
  );
  return { documents: entries.length, passages, deactivated: off.rows.length };
}
