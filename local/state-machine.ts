/**
 * Runs statemachine/prospecting.asl.json in-process with aws-local-stepfunctions. Each Task's
 * `${XxxFunctionArn}` placeholder names the handler module CDK deploys for it
 * (`lambdas/handlers/xxx.ts`); locally that same module's `makeHandler` is bound by state name.
 */
import '#core/polyfills.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { ProspectorError } from '#core/errors.ts';
import type { Deps } from '#core/pipeline/deps.ts';
import { readLeadBatches, type ReadLeadBatchesInput } from '#core/pipeline/lead-manifest.ts';
import { parseStatesError } from '#core/pipeline/record-failure.ts';
import type { StepHandler } from '#handlers/runtime.ts';

export const ASL_PATH = join(import.meta.dirname, '..', 'statemachine', 'prospecting.asl.json');

/** Every `${Placeholder}` in the ASL text, in order of first appearance. */
export function placeholders(asl: string): string[] {
  return [...new Set([...asl.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]))];
}

/** `FetchSiteFunctionArn` -> `fetch-site`: the handler file a Lambda placeholder stands for. */
export function handlerFileFor(placeholder: string): string {
  const base = placeholder.replace(/FunctionArn$/, '');
  return base.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/**
 * `States.MathRandom(start, end)` on AWS returns an integer from start inclusive to end
 * exclusive (docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html); the
 * interpreter's includes the end. With literal bounds the local definition asks for one less,
 * so local runs draw what AWS draws.
 */
function awsMathRandom(text: string): string {
  return text.replace(/States\.MathRandom\((\s*-?\d+\s*),\s*(-?\d+)\s*([,)])/g, (_m, start: string, end: string, rest: string) => `States.MathRandom(${start.trim()}, ${Number(end) - 1}${rest}`);
}

/** The definition with placeholders filled as the local runner needs them, and its item readers made local. */
export function localDefinition(aslText = readFileSync(ASL_PATH, 'utf8'), options: LocalReaderOptions = {}): StateMachineDefinition {
  const filled = awsMathRandom(aslText).replace(/\$\{([A-Za-z0-9]+)\}/g, (_m, name: string) =>
    name.endsWith('FunctionArn')
      ? `arn:aws:lambda:us-east-1:000000000000:function:prospector-${handlerFileFor(name)}`
      : name === 'LeadMapMode'
        ? 'INLINE'
        : `\${${name}}`,
  );
  return withLocalItemReaders(JSON.parse(filled) as AslDefinition, options) as unknown as StateMachineDefinition;
}

type AslState = Record<string, unknown>;
interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [k: string]: unknown;
}

/** Batches of the lead manifest held in memory at once by a local run (times the batch size: leads). */
export const LOCAL_WINDOW_BATCHES = 100;

export interface LocalReaderOptions {
  /** batches read from the manifest per window (default LOCAL_WINDOW_BATCHES) */
  windowBatches?: number;
}

/** The states the local runner puts in place of a Distributed Map's ItemReader + ItemBatcher. */
export function localReaderStates(mapName: string): { start: string; read: string; more: string } {
  return { start: `${mapName}StartReading`, read: `${mapName}ReadItems`, more: `${mapName}MoreItems` };
}

const LOCAL_READER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:prospector-local-read-lead-batches';

/**
 * aws-local-stepfunctions ignores a Distributed Map's ItemReader, ItemBatcher and ResultWriter
 * (DESIGN.md), so each Map that has an ItemReader is rewritten for the local run, from the cloud
 * definition and nothing else:
 *
 *   X (ItemReader, ItemBatcher, ResultWriter)   becomes
 *   XStartReading (Pass: offset 0) → XReadItems (Task: one window of the manifest, grouped as
 *   ItemBatcher groups it) → X (inline Map over the window's batches, same ItemProcessor states,
 *   same MaxConcurrencyPath, same Catch) → XMoreItems (Choice: another window, or X's Next).
 *
 * Everything that pointed at X points at XStartReading. The per-item processor, its Retry and
 * Catch, are the cloud's, untouched; ResultWriter is dropped (the children's outputs are `{}`
 * and a local run keeps no map-run results). Only one window of items is in memory at a time.
 */
export function withLocalItemReaders(def: AslDefinition, options: LocalReaderOptions = {}): AslDefinition {
  const windowBatches = options.windowBatches ?? LOCAL_WINDOW_BATCHES;
  const states: Record<string, AslState> = {};
  const renamed = new Map<string, string>();
  for (const [name, state] of Object.entries(def.States)) {
    const reader = state.ItemReader as { Parameters?: Record<string, unknown> } | undefined;
    if (state.Type !== 'Map' || !reader) {
      states[name] = state;
      continue;
    }
    const keyPath = reader.Parameters?.['Key.$'];
    if (typeof keyPath !== 'string') throw new Error(`Map ${name}: the local runner reads an ItemReader whose Parameters name the object with "Key.$"`);
    const batcher = (state.ItemBatcher ?? {}) as { MaxItemsPerBatch?: number; MaxItemsPerBatchPath?: string };
    const { start, read, more } = localReaderStates(name);
    const window = `$.${name}Window`;
    const { ItemReader: _reader, ItemBatcher: _batcher, ResultWriter: _writer, Next: next, End: end, ...rest } = state;
    const processor = rest.ItemProcessor as { ProcessorConfig?: Record<string, unknown> };
    states[start] = { Type: 'Pass', Comment: `Local stand-in for ${name}'s ItemReader: start at the manifest's first line.`, Result: { nextOffset: 0 }, ResultPath: window, Next: read };
    states[read] = {
      Type: 'Task',
      Comment: `Local stand-in for ${name}'s ItemReader and ItemBatcher: the next window of the manifest, in batches.`,
      Resource: LOCAL_READER_ARN,
      Parameters: {
        'key.$': keyPath,
        'offset.$': `${window}.nextOffset`,
        windowBatches,
        ...(batcher.MaxItemsPerBatchPath ? { 'maxItemsPerBatch.$': batcher.MaxItemsPerBatchPath } : { maxItemsPerBatch: batcher.MaxItemsPerBatch ?? 1 }),
      },
      ResultPath: window,
      TimeoutSeconds: 60,
      ...(rest.Catch ? { Catch: rest.Catch } : {}),
      Next: name,
    };
    states[name] = {
      ...rest,
      ItemsPath: `${window}.batches`,
      ItemProcessor: { ...processor, ProcessorConfig: { Mode: 'INLINE' } },
      Next: more,
    };
    if (end || typeof next !== 'string') throw new Error(`Map ${name}: the local runner needs a Next after a Map with an ItemReader`);
    states[more] = {
      Type: 'Choice',
      Comment: `Local: another window of ${name}'s manifest, or on.`,
      Choices: [{ Variable: `${window}.done`, BooleanEquals: false, Next: read }],
      Default: next,
    };
    renamed.set(name, start);
  }
  const to = (target: unknown) => (typeof target === 'string' && renamed.has(target) ? renamed.get(target) : target);
  // Each reader Task keeps pointing at its Map; everything else that pointed at the Map now starts reading.
  const readers = new Set([...renamed.keys()].map((m) => localReaderStates(m).read));
  for (const [name, state] of Object.entries(states)) {
    if (readers.has(name)) continue;
    if ('Next' in state) state.Next = to(state.Next);
    if ('Default' in state) state.Default = to(state.Default);
    for (const c of (state.Choices as AslState[] | undefined) ?? []) c.Next = to(c.Next);
    for (const c of (state.Catch as AslState[] | undefined) ?? []) c.Next = to(c.Next);
  }
  return { ...def, StartAt: to(def.StartAt) as string, States: states };
}

interface TaskBinding {
  state: string;
  file: string;
}

/** Task state name -> handler file, for every Task at any depth (Map processors included). */
export function taskBindings(aslText = readFileSync(ASL_PATH, 'utf8')): TaskBinding[] {
  const raw = JSON.parse(aslText) as { States: Record<string, Record<string, unknown>> };
  const out: TaskBinding[] = [];
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task' && typeof state.Resource === 'string') {
        const m = /^\$\{([A-Za-z0-9]+FunctionArn)\}$/.exec(state.Resource);
        if (!m) throw new Error(`Task ${name} has a Resource that is not a \${...FunctionArn} placeholder`);
        out.push({ state: name, file: handlerFileFor(m[1]) });
      }
      const processor = (state.ItemProcessor ?? state.Iterator) as { States?: Record<string, Record<string, unknown>> } | undefined;
      if (processor?.States) walk(processor.States);
      for (const branch of (state.Branches as { States: Record<string, Record<string, unknown>> }[] | undefined) ?? []) walk(branch.States);
    }
  };
  walk(raw.States);
  return out;
}

/**
 * The error document Lambda's Node.js runtime makes of a thrown value
 * (docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html shows
 * `{"errorType","errorMessage","trace"}`; the runtime's own `toRapidResponse` in
 * aws-lambda-nodejs-runtime-interface-client src/Errors.js builds it: an Error gives its `name`,
 * `message` and `stack` split into lines; any other value gives `typeof` and `toString()`).
 */
export interface LambdaErrorEnvelope {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

/** Lambda's error envelope for `error`, as the Node.js runtime builds it. */
export function lambdaErrorEnvelope(error: unknown): LambdaErrorEnvelope {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? `${error.name}: ${error.message}`).split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/**
 * A Lambda task's failure as Step Functions reports it to Retry/Catch: `Error` is Lambda's
 * `errorType` and `Cause` is the whole envelope as a JSON string, not the message
 * (docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html; a Catch with
 * `ResultPath: "$.error"` receives `{"Error":"RateLimited","Cause":"{\"errorType\":...}"}`).
 * aws-local-stepfunctions takes `Error` from a thrown error's `name` and `Cause` from its
 * `message`, so the message here is the envelope.
 */
export class LambdaTaskFailure extends Error {
  readonly envelope: LambdaErrorEnvelope;
  constructor(envelope: LambdaErrorEnvelope) {
    super(JSON.stringify(envelope));
    this.name = envelope.errorType;
    this.envelope = envelope;
  }
}

/**
 * Runs a handler the way Lambda does for Step Functions: the event and the result cross as
 * JSON (undefined becomes null, non-JSON values do not survive), and a thrown error reaches the
 * interpreter as `LambdaTaskFailure`.
 */
export function asLambda(fn: StepHandler): StepHandler {
  return async (event) => {
    let result: unknown;
    try {
      result = await fn(JSON.parse(JSON.stringify(event ?? null)) as unknown);
    } catch (error) {
      throw new LambdaTaskFailure(lambdaErrorEnvelope(error));
    }
    return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown);
  };
}

/**
 * Imports each bound handler module and builds its handler over `deps`. Every handler runs as
 * Lambda would (`asLambda`); `wrap` sees the handler's own errors, before they are enveloped.
 */
export async function localHandlers(deps: Deps, wrap?: (state: string, fn: StepHandler) => StepHandler, aslText?: string): Promise<Record<string, StepHandler>> {
  const handlers: Record<string, StepHandler> = {};
  for (const { state, file } of taskBindings(aslText)) {
    const mod = (await import(`../lambdas/handlers/${file}.ts`)) as { makeHandler: (d: Deps) => StepHandler };
    const fn = mod.makeHandler(deps);
    handlers[state] = asLambda(wrap ? wrap(state, fn) : fn);
  }
  // The local stand-ins for ItemReader + ItemBatcher read the manifest through the Lake port.
  for (const map of itemReaderMaps(aslText)) {
    const { read } = localReaderStates(map);
    const fn: StepHandler = async (event) => readLeadBatches(deps.lake, event as ReadLeadBatchesInput);
    handlers[read] = asLambda(wrap ? wrap(read, fn) : fn);
  }
  return handlers;
}

/** Top-level Map states that read their items with an ItemReader (the cloud's Distributed Maps). */
export function itemReaderMaps(aslText = readFileSync(ASL_PATH, 'utf8')): string[] {
  const raw = JSON.parse(aslText) as AslDefinition;
  return Object.entries(raw.States).filter(([, s]) => s.Type === 'Map' && s.ItemReader).map(([name]) => name);
}

/** The execution failed (a Fail state, or an error no Catch took); names the error and its reason. */
export class ExecutionFailedError extends ProspectorError {
  readonly error: string;
  readonly reason: string;
  constructor(error: string, reason: string, options?: { cause?: unknown }) {
    super(`the execution failed: ${error}: ${reason}`, options);
    this.name = 'ExecutionFailed';
    this.error = error;
    this.reason = reason;
  }
}

export interface ExecuteOptions {
  /** Called for each interpreter event (progress reporting). */
  onEvent?: (event: { type: string; state?: { name: string; input?: unknown; output?: unknown }; Error?: string; [k: string]: unknown }) => void;
  retryIntervalOverrides?: Record<string, number | number[]>;
  waitTimeOverrides?: Record<string, number>;
  wrap?: (state: string, fn: StepHandler) => StepHandler;
  /** Another definition text instead of statemachine/prospecting.asl.json (tests of past definitions). */
  aslText?: string;
  /** Aborts the execution (its result then rejects with ExecutionAbortedError). */
  signal?: AbortSignal;
  /** Batches of the lead manifest read per window (default LOCAL_WINDOW_BATCHES). */
  windowBatches?: number;
}

/** Definitions (as JSON text) this process has already seen pass asl-validator. */
const validated = new Set<string>();

/**
 * The interpreter for `definition`, checked by asl-validator (ARNs and paths too) the first time
 * this process sees it. The check compiles asl-validator's JSON schema anew on every call (about
 * a third of a CPU-second), and a local process runs the same few definitions again and again:
 * every reply, every send round, every run of `--every` or `watch`. A definition that fails
 * the check is never remembered, so it fails every time.
 */
export function stateMachineFor(definition: StateMachineDefinition): StateMachine {
  const text = JSON.stringify(definition);
  if (validated.has(text)) return new StateMachine(definition, { validationOptions: { noValidate: true } });
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  validated.add(text);
  return machine;
}

/** Runs one execution of the state machine to completion and returns its output. */
export async function executeLocally(deps: Deps, input: Record<string, unknown>, options: ExecuteOptions = {}): Promise<unknown> {
  const machine = stateMachineFor(localDefinition(options.aslText, { windowBatches: options.windowBatches }));
  const handlers = await localHandlers(deps, options.wrap, options.aslText);
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: options.retryIntervalOverrides,
      waitTimeOverrides: options.waitTimeOverrides,
    },
    context: { Execution: { Id: `local:${deps.newId()}`, Input: input as never, StartTime: new Date().toISOString() } },
  });
  if (options.signal?.aborted) execution.abort();
  else options.signal?.addEventListener('abort', () => execution.abort(), { once: true });
  const consume = (async () => {
    for await (const event of execution.eventLogs) options.onEvent?.(event as never);
  })();
  try {
    return await execution.result;
  } catch (error) {
    // aws-local-stepfunctions wraps the failing error as `cause`; show the reason, not an envelope.
    const failed = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    if (!failed) throw error;
    const { name, message } = parseStatesError({ Error: failed.name, Cause: failed.message });
    throw new ExecutionFailedError(name, message, { cause: error });
  } finally {
    await consume.catch(() => undefined);
  }
}
