/**
 * Learning from edits: how much reps change the drafts they approve, and which phrases they
 * delete again and again. The number that says whether drafting improves.
 *
 * How much changed: each approved message is compared as drafted (the `before` of its first
 * edit) with the words that were approved (its current words), subject and body together. Both
 * are split into words and aligned (longest common subsequence); the characters of the words
 * removed and of the words added are counted, without spaces so a re-wrapped line counts for
 * nothing. A message's edited share is max(removed, added) / max(drafted, approved) characters:
 * 0 untouched, 0.5 for half the text deleted, 1 for a rewrite. Week and variant figures add the
 * characters of their messages up before dividing, so a long email weighs more than a note.
 *
 * Which messages: those of sequences a person approved (autopilot approvals are no review), in
 * the ISO week of the approval. Unedited approved messages count, as 0: leaving a draft alone is
 * the best outcome drafting can have.
 *
 * Banned-phrase proposals: for every edited message (any sequence, approved or not), the word
 * sequences of 2 to 8 words, within one sentence, that were in the draft and are in none of the
 * later words; a phrase removed from at least `minEdits` different messages is proposed, unless
 * it is already banned (or part of, or holding, a banned phrase), made of common words only, or
 * part of a longer proposal removed as often.
 */
import type { Sql } from '../ports.ts';

/** Words with their characters (spaces not counted). */
function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/**
 * Characters of the words removed from `before` and added in `after`, aligned word by word
 * (longest common subsequence after trimming the common start and end).
 */
export function changedCharacters(before: string, after: string): { removed: number; added: number; before: number; after: number } {
  const a = words(before);
  const b = words(after);
  const size = (xs: string[]) => xs.reduce((n, w) => n + w.length, 0);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  // LCS by dynamic programming over the differing middle, weighted by characters kept.
  const cols = y.length + 1;
  const table = new Float64Array((x.length + 1) * cols);
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      table[i * cols + j] =
        x[i - 1] === y[j - 1] ? table[(i - 1) * cols + j - 1] + x[i - 1].length : Math.max(table[(i - 1) * cols + j], table[i * cols + j - 1]);
    }
  }
  const kept = table[x.length * cols + y.length];
  return { removed: size(x) - kept, added: size(y) - kept, before: size(a), after: size(b) };
}

/** A message's edited share: max(removed, added) / max(drafted, approved) characters. */
export function editedShare(before: string, after: string): number {
  const c = changedCharacters(before, after);
  const base = Math.max(c.before, c.after);
  return base === 0 ? 0 : Math.max(c.removed, c.added) / base;
}

/** The ISO-8601 week of a date, `2026-W49` (weeks start on Monday; week 1 holds January 4th). */
export function isoWeek(date: Date | string): string {
  const at = typeof date === 'string' ? new Date(Date.parse(date)) : date;
  // The week belongs to the year of its Thursday.
  const thursday = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 4 - (thursday.getUTCDay() || 7));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((thursday.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

// Words too common to make a phrase worth banning on their own.
const COMMON = new Set(
  `a an the and or but if of to in on at by for with from as is are was were be been being it its this that these those i we you your our my me us
   he she they them their his her not no so do does did have has had will would can could should may might just also than then there here
   what which who whom when where why how all any some more most very about into over up out off`.split(/\s+/),
);

/** Lower-case word sequences of `min`–`max` words of `text`, never across a sentence end or line. */
export function phrases(text: string, min = 2, max = 8): Set<string> {
  const out = new Set<string>();
  for (const sentence of text.split(/(?<=[.!?])\s+|\n+/)) {
    const ws = sentence.toLowerCase().replace(/[’`]/g, "'").match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? [];
    for (let n = min; n <= max; n++) {
      for (let i = 0; i + n <= ws.length; i++) out.add(ws.slice(i, i + n).join(' '));
    }
  }
  return out;
}

export interface PhraseProposal {
  phrase: string;
  /** different messages it was deleted from */
  edits: number;
}

/**
 * Phrases deleted from at least `minEdits` different messages. `history` is, per message, its
 * words as drafted followed by every later version.
 */
export function proposeBannedPhrases(history: string[][], options: { minEdits?: number; alreadyBanned?: string[]; limit?: number } = {}): PhraseProposal[] {
  const minEdits = options.minEdits ?? 3;
  const banned = new Set((options.alreadyBanned ?? []).map((p) => (p.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []).join(' ')));
  const counts = new Map<string, number>();
  for (const versions of history) {
    if (versions.length < 2) continue;
    // Removed: in some version, absent from every version after it.
    const removed = new Set<string>();
    for (let v = 0; v < versions.length - 1; v++) {
      const later = versions.slice(v + 1).map((t) => phrases(t));
      for (const p of phrases(versions[v])) if (!later.some((l) => l.has(p))) removed.add(p);
    }
    for (const p of removed) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  // A part of a banned phrase, or a phrase holding one, is banned already.
  const isBanned = (p: string) => [...banned].some((b) => b && (` ${b} `.includes(` ${p} `) || ` ${p} `.includes(` ${b} `)));
  const frequent = [...counts.entries()].filter(([p, n]) => n >= minEdits && !isBanned(p) && p.split(' ').some((w) => !COMMON.has(w)));
  // Keep the longest form: drop a phrase inside a longer one removed as often.
  const kept = frequent.filter(([p, n]) => !frequent.some(([q, m]) => q !== p && m >= n && ` ${q} `.includes(` ${p} `)));
  return kept
    .map(([phrase, edits]) => ({ phrase, edits }))
    .sort((x, y) => y.edits - x.edits || y.phrase.split(' ').length - x.phrase.split(' ').length || x.phrase.localeCompare(y.phrase))
    .slice(0, options.limit ?? 20);
}

export interface ShareRow {
  /** approved messages */
  messages: number;
  /** of them, changed by a person */
  edited: number;
  charactersDrafted: number;
  charactersChanged: number;
  /** charactersChanged / characters of the larger text, summed over the messages; null with none */
  editedShare: number | null;
}

export interface EditStats {
  workspace: string;
  overall: ShareRow;
  byWeek: (ShareRow & { week: string })[];
  /** `a`, `b` (the first touch's variants) and `none` (every other step) */
  byVariant: (ShareRow & { variant: 'a' | 'b' | 'none' })[];
  proposedBannedPhrases: PhraseProposal[];
  /** edited messages the proposals were read from */
  editedMessagesRead: number;
  minEdits: number;
}

function accumulate(rows: { before: string; after: string }[]): ShareRow {
  let drafted = 0;
  let changed = 0;
  let base = 0;
  let edited = 0;
  for (const r of rows) {
    const c = changedCharacters(r.before, r.after);
    drafted += c.before;
    changed += Math.max(c.removed, c.added);
    base += Math.max(c.before, c.after);
    if (r.before !== r.after) edited++;
  }
  return { messages: rows.length, edited, charactersDrafted: drafted, charactersChanged: changed, editedShare: base === 0 ? null : Math.round((changed / base) * 10_000) / 10_000 };
}

const joined = (subject: string | null, body: string) => (subject ? `${subject}\n${body}` : body);

/** The workspace's edit figures: share of characters edited per week and variant, and phrase proposals. */
export async function editStats(sql: Sql, workspace: { id: string; slug: string }, options: { minEdits?: number } = {}): Promise<EditStats> {
  const minEdits = options.minEdits ?? 3;
  const approved = await sql.query<{ id: string; variant: 'a' | 'b' | null; subject: string | null; body: string; first_subject: string | null; first_body: string | null; decided_at: string }>(
    `SELECT m.id, m.variant, m.subject, m.body, fe.before_subject AS first_subject, fe.before_body AS first_body, a.decided_at
       FROM sequence s
       JOIN LATERAL (SELECT decided_at FROM approval
                      WHERE sequence_id = s.id AND decision = 'approved' AND NOT autopilot
                      ORDER BY decided_at DESC LIMIT 1) a ON true
       JOIN message m ON m.sequence_id = s.id
       LEFT JOIN variant_assignment va ON va.experiment_id = s.experiment_id AND va.lead_id = s.lead_id
       -- the words as the approving rep was given them: as drafted (the first edit's before), or
       -- as re-signed by the newest hand-over (sql/0034_hand_over.sql)
       LEFT JOIN LATERAL (SELECT CASE WHEN kind = 're_sign' THEN after_subject ELSE before_subject END AS before_subject,
                                 CASE WHEN kind = 're_sign' THEN after_body ELSE before_body END AS before_body
                            FROM message_edit WHERE message_id = m.id
                           ORDER BY kind = 're_sign' DESC, CASE WHEN kind = 're_sign' THEN edited_at END DESC, edited_at, id LIMIT 1) fe ON true
      WHERE s.workspace_id = :ws::uuid AND s.status IN ('approved', 'active', 'paused', 'completed', 'stopped')
        AND (m.variant IS NULL OR va.variant IS NULL OR m.variant = va.variant)
      ORDER BY a.decided_at, m.id`,
    { ws: workspace.id },
  );
  const rows = approved.rows.map((r) => ({
    week: isoWeek(r.decided_at),
    variant: (r.variant ?? 'none') as 'a' | 'b' | 'none',
    before: r.first_body === null ? joined(r.subject, r.body) : joined(r.first_subject, r.first_body),
    after: joined(r.subject, r.body),
  }));
  const by = <K extends string>(key: (r: (typeof rows)[number]) => K): Map<K, typeof rows> => {
    const out = new Map<K, typeof rows>();
    for (const r of rows) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
    return out;
  };

  const edits = await sql.query<{ message_id: string; kind: 'edit' | 're_sign'; before_subject: string | null; before_body: string; after_subject: string | null; after_body: string }>(
    `SELECT me.message_id, me.kind, me.before_subject, me.before_body, me.after_subject, me.after_body
       FROM message_edit me JOIN message m ON m.id = me.message_id JOIN sequence s ON s.id = m.sequence_id
      WHERE s.workspace_id = :ws::uuid ORDER BY me.message_id, me.edited_at, me.id`,
    { ws: workspace.id },
  );
  // Each message's versions, a rep's edits after each other; a re-signing (a hand-over) starts a
  // new run of versions, so the old rep's signature never reads as words a rep deleted.
  const history = new Map<string, string[][]>();
  for (const e of edits.rows) {
    const runs = history.get(e.message_id) ?? [];
    history.set(e.message_id, runs);
    if (e.kind === 're_sign') {
      runs.push([joined(e.after_subject, e.after_body)]);
      continue;
    }
    if (runs.length === 0) runs.push([joined(e.before_subject, e.before_body)]);
    runs.at(-1)!.push(joined(e.after_subject, e.after_body));
  }
  const banned = await sql.query<{ phrase: string }>(
    `SELECT jsonb_array_elements_text(to_jsonb(banned_phrases)) AS phrase FROM tone_of_voice WHERE workspace_id = :ws::uuid`,
    { ws: workspace.id },
  );

  return {
    workspace: workspace.slug,
    overall: accumulate(rows),
    byWeek: [...by((r) => r.week).entries()].sort(([a], [b]) => a.localeCompare(b)).map(([week, rs]) => ({ week, ...accumulate(rs) })),
    byVariant: [...by((r) => r.variant).entries()].sort(([a], [b]) => a.localeCompare(b)).map(([variant, rs]) => ({ variant, ...accumulate(rs) })),
    proposedBannedPhrases: proposeBannedPhrases([...history.values()].flat().filter((v) => v.length > 1), { minEdits, alreadyBanned: banned.rows.map((b) => b.phrase) }),
    editedMessagesRead: [...history.values()].filter((runs) => runs.some((v) => v.length > 1)).length,
    minEdits,
  };
}
