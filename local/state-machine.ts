/**
 * Runs statemachine/prospecting.asl.json in-process with aws-local-stepfunctions. Each Task's
 * `${XxxFunctionArn}` placeholder names the handler module CDK deploys for it
 * (`lambdas/handlers/xxx.ts`); locally that same module's `makeHandler` is bound by state name.
 */
import '#core/polyfills.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Deps } from '#core/pipeline/deps.ts';
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

/** The definition with placeholders filled as the local runner needs them. */
export function localDefinition(aslText = readFileSync(ASL_PATH, 'utf8')): StateMachineDefinition {
  const filled = aslText.replace(/\$\{([A-Za-z0-9]+)\}/g, (_m, name: string) =>
    name.endsWith('FunctionArn')
      ? `arn:aws:lambda:us-east-1:000000000000:function:prospector-${handlerFileFor(name)}`
      : name === 'LeadMapMode'
        ? 'INLINE'
        : `\${${name}}`,
  );
  return JSON.parse(filled) as StateMachineDefinition;
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

/** Imports each bound handler module and builds its handler over `deps`. */
export async function localHandlers(deps: Deps, wrap?: (state: string, fn: StepHandler) => StepHandler): Promise<Record<string, StepHandler>> {
  const handlers: Record<string, StepHandler> = {};
  for (const { state, file } of taskBindings()) {
    const mod = (await import(`../lambdas/handlers/${file}.ts`)) as { makeHandler: (d: Deps) => StepHandler };
    const fn = mod.makeHandler(deps);
    handlers[state] = wrap ? wrap(state, fn) : fn;
  }
  return handlers;
}

export interface ExecuteOptions {
  /** Called for each interpreter event (progress reporting). */
  onEvent?: (event: { type: string; state?: { name: string }; Error?: string; [k: string]: unknown }) => void;
  retryIntervalOverrides?: Record<string, number | number[]>;
  waitTimeOverrides?: Record<string, number>;
  wrap?: (state: string, fn: StepHandler) => StepHandler;
  /** Aborts the execution (its result then rejects with ExecutionAbortedError). */
  signal?: AbortSignal;
}

/** Runs one execution of the state machine to completion and returns its output. */
export async function executeLocally(deps: Deps, input: Record<string, unknown>, options: ExecuteOptions = {}): Promise<unknown> {
  const machine = new StateMachine(localDefinition(), { validationOptions: { checkArn: true, checkPaths: true } });
  const handlers = await localHandlers(deps, options.wrap);
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
  } finally {
    await consume.catch(() => undefined);
  }
}
