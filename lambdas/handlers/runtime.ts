/**
 * The shape every handler shares: parse the event (zod errors become a ValidationError naming
 * each field), call the core with the runtime's dependencies, return small JSON.
 * `makeHandler(deps)` is what the local runner binds; `handler` is what Lambda invokes, with
 * the cloud composition root built once per container at cold start.
 */
import { ZodError } from 'zod';
import { ValidationError } from '#core/errors.ts';
import type { Deps } from '#core/pipeline/deps.ts';
import type { StepId } from '#core/pipeline/step-ports.ts';
import type { EdgeDeps } from '../cloud/composition.ts';
import type { EdgeFunctionId } from '../cloud/step-env.ts';

export type StepHandler = (event: unknown) => Promise<unknown>;

/** Wraps a core step so bad events fail with the field paths, under a stable error name. */
export function step<I>(name: string, run: (deps: Deps, input: I) => Promise<unknown>): (deps: Deps) => StepHandler {
  return (deps) => async (event) => {
    try {
      return await run(deps, event as I);
    } catch (error) {
      if (error instanceof ZodError) {
        throw new ValidationError(
          `${name} event`,
          error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        );
      }
      throw error;
    }
  };
}

/** Builds the cloud dependencies of one step's ports; a seam so tests can stand in for the composition root. */
export type DepsLoader = (stepId: StepId) => Promise<Deps>;

const cloudDeps: DepsLoader = (stepId) => import('../cloud/composition.ts').then((m) => m.cloudDeps(stepId));

/**
 * Lambda entry point: builds the dependencies of `stepId`'s ports at cold start, then delegates.
 * A build that fails (a transient Secrets Manager or network error) is not kept: the next
 * invocation on the same container builds again, instead of failing with the same cached
 * rejection until it is recycled.
 */
export function lambdaHandler(make: (deps: Deps) => StepHandler, stepId: StepId, load: DepsLoader = cloudDeps): StepHandler {
  // Lambda reports a thrown error's `name` as its errorType, which is what the state machine's
  // Retry/Catch match on.
  return builtOnce(() => load(stepId).then(make));
}

/** A handler whose inner handler is built on first use, once per container; a failed build is retried on the next event. */
function builtOnce<R>(build: () => Promise<(event: unknown) => Promise<R>>): (event: unknown) => Promise<R> {
  let ready: Promise<(event: unknown) => Promise<R>> | undefined;
  return async (event) => {
    const building = (ready ??= build());
    building.catch(() => {
      if (ready === building) ready = undefined;
    });
    return (await building)(event);
  };
}

/** Builds the dependencies of a function outside the state machines (step-env.ts EDGE_FUNCTIONS). */
export type EdgeDepsLoader = (fn: EdgeFunctionId) => Promise<EdgeDeps>;

const cloudEdgeDeps: EdgeDepsLoader = (fn) => import('../cloud/composition.ts').then((m) => m.cloudEdgeDeps(fn));

/** `lambdaHandler` for an edge function: its dependencies built once per container, a failed build retried. */
export function edgeHandler<R>(make: (deps: EdgeDeps) => (event: unknown) => Promise<R>, fn: EdgeFunctionId, load: EdgeDepsLoader = cloudEdgeDeps): (event: unknown) => Promise<R> {
  return builtOnce(() => load(fn).then(make));
}
