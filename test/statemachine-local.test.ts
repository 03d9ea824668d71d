/**
 * The local definition is derived from the cloud one (local/state-machine.ts
 * `withLocalItemReaders`): the lead Map's ItemReader + ItemBatcher become a Task that reads the
 * same JSONL manifest a window at a time, and nothing else changes. These tests hold the two
 * equivalent (same states, same per-lead processor, same Retry and Catch) and drive the derived
 * definition through the interpreter over a real manifest in a folder lake.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import { readLeadBatches, writeLeadManifest } from '#core/pipeline/lead-manifest.ts';
import { ASL_PATH, asLambda, localDefinition, localReaderStates, taskBindings, withLocalItemReaders, stateMachineFor } from '#local/state-machine.ts';
import { allStates, leadProcessor, type AslMachine, type AslState } from '#test/helpers/asl.ts';

const aslText = readFileSync(ASL_PATH, 'utf8');
const RUN = '11111111-1111-4111-8111-111111111111';
const reader = localReaderStates('ProcessLeads');

/** The cloud definition with placeholders filled the local way, but no reader rewritten. */
const cloud = (): AslMachine => JSON.parse(fillOnly(aslText)) as AslMachine;
function fillOnly(text: string): string {
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (_m, name: string) => (name === 'LeadMapMode' ? 'DISTRIBUTED' : name === 'LeadChildExecutionType' ? 'EXPRESS' : name === 'LakeBucketName' ? 'prospector-lake' : `arn:aws:lambda:us-east-1:000000000000:function:${name}`));
}

let lake: FolderLake;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'manifest-'));
  lake = new FolderLake(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the local definition is the cloud one with its item reader made local', () => {
  const cloudDef = cloud();
  const localDef = withLocalItemReaders(cloud() as never) as unknown as AslMachine;

  it('has every state of the cloud definition, plus only the reader\'s three', () => {
    const cloudNames = allStates(cloudDef).map((s) => s.name);
    const localNames = allStates(localDef).map((s) => s.name);
    expect(localNames.filter((n) => !cloudNames.includes(n)).sort()).toEqual([reader.more, reader.read, reader.start].sort());
    expect(cloudNames.filter((n) => !localNames.includes(n))).toEqual([]);
  });

  it('keeps every other state as it is, Retry and Catch included; only what pointed at the lead Map now starts reading', () => {
    const local = new Map(allStates(localDef).map((s) => [s.name, s.state]));
    for (const { name, state } of allStates(cloudDef)) {
      if (name === 'ProcessLeads') continue;
      const expected: AslState = structuredClone(state);
      // a Choice that chose the Map now chooses the reader's first state
      if (expected.Default === 'ProcessLeads') expected.Default = reader.start;
      if (expected.Next === 'ProcessLeads') expected.Next = reader.start;
      if (name === 'ProcessBatch') continue; // compared below, within the Map
      expect(local.get(name), name).toEqual(expected);
    }
  });

  it('runs the same per-lead processor, one lead at a time per batch, under the same Map settings and Catch', () => {
    const c = cloudDef.States.ProcessLeads;
    const l = localDef.States.ProcessLeads;
    expect(leadProcessor(localDef)).toEqual(leadProcessor(cloudDef));
    expect(l.ItemProcessor.States.ProcessBatch).toEqual(c.ItemProcessor.States.ProcessBatch);
    for (const field of ['MaxConcurrencyPath', 'ToleratedFailurePercentage', 'ResultPath', 'Catch'] as const) expect(l[field], field).toEqual(c[field]);
    expect(l).not.toHaveProperty('ItemReader');
    expect(l).not.toHaveProperty('ItemBatcher');
    expect(l).not.toHaveProperty('ResultWriter');
    expect(l.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    // and on to where the cloud Map went, once the manifest is read to its end
    expect(localDef.States[reader.more]).toMatchObject({ Type: 'Choice', Default: c.Next });
  });

  it('reads the key the ItemReader names, batches as the ItemBatcher does, and fails the run as the Map would', () => {
    const c = cloudDef.States.ProcessLeads;
    const read = localDef.States[reader.read];
    expect(read.Parameters['key.$']).toBe(c.ItemReader.Parameters['Key.$']);
    expect(read.Parameters['maxItemsPerBatch.$']).toBe(c.ItemBatcher.MaxItemsPerBatchPath);
    expect(read.Catch).toEqual(c.Catch);
  });

  it('follows the cloud definition when it changes: a fixed MaxItemsPerBatch becomes the reader\'s batch size', () => {
    const changed = cloud();
    changed.States.ProcessLeads.ItemBatcher = { MaxItemsPerBatch: 3 };
    const local = withLocalItemReaders(changed as never) as unknown as AslMachine;
    expect(local.States[reader.read].Parameters).toMatchObject({ maxItemsPerBatch: 3 });
    expect(local.States[reader.read].Parameters).not.toHaveProperty('maxItemsPerBatch.$');
  });
});

describe('the lead manifest', () => {
  it('round-trips ids a window at a time, in batches, and says when it is done', async () => {
    const ids = Array.from({ length: 23 }, () => randomUUID());
    const key = await writeLeadManifest(lake, RUN, ids);
    expect(key).toMatch(new RegExp(`^manifests/run=${RUN}/leads-[0-9a-f]{64}\\.jsonl$`));
    const first = await readLeadBatches(lake, { key, offset: 0, maxItemsPerBatch: 5, windowBatches: 2 });
    expect(first.batches.map((b) => b.Items.length)).toEqual([5, 5]);
    expect(first).toMatchObject({ nextOffset: 10, done: false });
    const last = await readLeadBatches(lake, { key, offset: 20, maxItemsPerBatch: 5, windowBatches: 2 });
    expect(last.batches.map((b) => b.Items.map((i) => i.leadId))).toEqual([ids.slice(20)]);
    expect(last).toMatchObject({ nextOffset: 23, done: true });
    expect(last.batches[0].Items[0]).toEqual({ runId: RUN, leadId: ids[20] });
  });

  it('names the key and line of a line that is not a lead, and a key that is not there', async () => {
    const key = `manifests/run=${RUN}/leads-bad.jsonl`;
    await lake.put(key, `${JSON.stringify({ runId: RUN, leadId: randomUUID() })}\n{"leadId":"not-a-uuid"}\n`);
    await expect(readLeadBatches(lake, { key, offset: 0, maxItemsPerBatch: 10, windowBatches: 1 })).rejects.toThrow(`${key}: line 2`);
    await expect(readLeadBatches(lake, { key: 'manifests/run=x/none.jsonl', offset: 0, maxItemsPerBatch: 10, windowBatches: 1 })).rejects.toThrow(/manifests\/run=x\/none\.jsonl.*no such object/);
  });
});

describe('the derived definition, driven through the interpreter over a real manifest', () => {
  it('processes every lead of the manifest exactly once, across windows and batches, and finishes the run', async () => {
    const ids = Array.from({ length: 47 }, () => randomUUID());
    const manifestKey = await writeLeadManifest(lake, RUN, ids);
    const fetched: string[] = [];
    const batches: number[] = [];
    let windows = 0;
    const answers: Record<string, (event: Record<string, unknown>) => unknown> = {
      StartRun: () => ({ runId: RUN, workspaceId: RUN, redrive: true, leadConcurrency: 3, leadBatchSize: 4, icps: [], groqBatch: false }),
      ListRunLeads: (e) => {
        expect(e).toMatchObject({ runId: RUN, redrive: true, leadConcurrency: 3, leadBatchSize: 4 });
        return { manifestKey, count: ids.length, batchSize: 4 };
      },
      FetchSite: (e) => {
        fetched.push(e.leadId as string);
        return { skipped: true, reason: 'robots.txt forbids the site', pages: 0, tried: 0, bytes: 0, reused: false };
      },
      FinishRun: () => ({ runId: RUN, status: 'succeeded' }),
    };
    const handlers: Record<string, (e: unknown) => Promise<unknown>> = {};
    for (const { state } of taskBindings(aslText)) handlers[state] = asLambda(async (e) => (answers[state] ?? (() => ({})))(e as Record<string, unknown>));
    handlers[reader.read] = asLambda(async (e) => {
      windows++;
      return readLeadBatches(lake, e as never);
    });
    const machine = stateMachineFor(localDefinition(aslText, { windowBatches: 2 }));
    const execution = machine.run({ trigger: 'manual', redrive: { runId: RUN } } as never, { overrides: { taskResourceLocalHandlers: handlers as never } });
    const consume = (async () => {
      for await (const e of execution.eventLogs as AsyncIterable<{ type: string; state?: { name: string; input?: { Items?: unknown[] } } }>) {
        if (e.type === 'StateEntered' && e.state?.name === 'ProcessBatch') batches.push(e.state.input?.Items?.length ?? -1);
      }
    })();
    const output = await execution.result;
    await consume;
    expect(output).toMatchObject({ status: 'succeeded' });
    expect([...fetched].sort()).toEqual([...ids].sort());
    expect(new Set(fetched).size).toBe(ids.length);
    // 47 leads, 4 a batch, 2 batches a window: 6 windows of 8 leads, the last of 7 (4 + 3)
    expect(windows).toBe(6);
    expect(batches.sort()).toEqual([...Array(11).fill(4), 3].sort());
  }, 60_000);
});
