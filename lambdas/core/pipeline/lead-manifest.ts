/**
 * The lead manifest: the leads one execution of the lead Map processes, as a JSONL object in
 * the lake (one `{"runId","leadId"}` per line, so a child execution needs nothing but its batch). The state payload carries only its key and count, so a
 * run is not bounded by Step Functions' 256 KiB payload. On AWS the Distributed Map reads it
 * with `ItemReader` (`ReaderConfig.InputType: "JSONL"`) and groups its lines with `ItemBatcher`;
 * locally `readLeadBatches` reads it a window at a time and groups the lines the same way
 * (local/state-machine.ts derives the local definition from the cloud one).
 */
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import type { Lake } from '../ports.ts';
import { sha256 } from './util.ts';

/** One line of the manifest: what each item of the lead Map is. */
export const LeadManifestLine = z.object({ runId: z.uuid(), leadId: z.uuid() }).strict();
export type LeadManifestLine = z.infer<typeof LeadManifestLine>;

/** Writes the manifest of `leadIds` for a run (content-addressed) and returns its key. */
export async function writeLeadManifest(lake: Lake, runId: string, leadIds: readonly string[]): Promise<string> {
  const body = leadIds.map((leadId) => JSON.stringify({ runId, leadId } satisfies LeadManifestLine)).join('\n') + (leadIds.length ? '\n' : '');
  const key = lakeKeys.leadManifest(runId, sha256(body));
  await lake.put(key, body, { contentType: 'application/jsonl' });
  return key;
}

/**
 * A batch as Step Functions' ItemBatcher hands it to a child execution: `{"Items": [...]}`
 * (docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html; no BatchInput is
 * used, each line carries its run).
 */
export interface LeadBatch {
  Items: LeadManifestLine[];
}

/** Groups items into batches of at most `maxItemsPerBatch`, in order, as ItemBatcher does. */
export function batchItems(items: readonly LeadManifestLine[], maxItemsPerBatch: number): LeadBatch[] {
  if (!Number.isInteger(maxItemsPerBatch) || maxItemsPerBatch < 1) {
    throw new ValidationError('lead batches', [{ path: 'maxItemsPerBatch', message: `must be a whole number of at least 1, got ${maxItemsPerBatch}` }]);
  }
  const out: LeadBatch[] = [];
  for (let i = 0; i < items.length; i += maxItemsPerBatch) out.push({ Items: items.slice(i, i + maxItemsPerBatch) });
  return out;
}

/** The input of the local stand-in for ItemReader + ItemBatcher: one window of the manifest. */
export const ReadLeadBatchesInput = z.object({
  key: z.string().min(1),
  offset: z.number().int().min(0),
  maxItemsPerBatch: z.number().int().min(1),
  /** batches per window: `windowBatches × maxItemsPerBatch` leads are in memory at once */
  windowBatches: z.number().int().min(1),
});
export type ReadLeadBatchesInput = z.input<typeof ReadLeadBatchesInput>;

export interface ReadLeadBatchesOutput {
  batches: LeadBatch[];
  /** the line the next window starts at */
  nextOffset: number;
  /** no line after this window */
  done: boolean;
}

/**
 * One window of the manifest, `windowBatches` batches' worth of lines from `offset`, grouped
 * into batches. Each line
 * is parsed with `LeadManifestLine`; a bad line is an error naming the key and line number.
 */
export async function readLeadBatches(lake: Lake, rawInput: ReadLeadBatchesInput): Promise<ReadLeadBatchesOutput> {
  const input = ReadLeadBatchesInput.parse(rawInput);
  const body = await lake.get(input.key);
  if (!body) throw new ValidationError('lead manifest', [{ path: input.key, message: 'no such object in the lake' }]);
  const text = body.toString('utf8');
  const windowItems = input.windowBatches * input.maxItemsPerBatch;
  const items: LeadManifestLine[] = [];
  // Walk the lines without splitting the whole object: only this window's lines become objects.
  let line = 0;
  let at = 0;
  while (at < text.length && line < input.offset + windowItems) {
    const end = text.indexOf('\n', at);
    const raw = text.slice(at, end < 0 ? text.length : end);
    at = end < 0 ? text.length : end + 1;
    if (raw.trim() === '') continue;
    if (line >= input.offset) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
      const item = LeadManifestLine.safeParse(parsed);
      if (!item.success) throw new ValidationError('lead manifest', [{ path: `${input.key}: line ${line + 1}`, message: `is not {"runId": "<uuid>", "leadId": "<uuid>"}: ${raw.slice(0, 120)}` }]);
      items.push(item.data);
    }
    line++;
  }
  const done = text.slice(at).trim() === '';
  return { batches: batchItems(items, input.maxItemsPerBatch), nextOffset: input.offset + items.length, done };
}
