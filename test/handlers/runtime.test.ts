/**
 * `lambdaHandler`, the Lambda entry point: the dependencies are built once per container, and a
 * build that fails (a transient Secrets Manager error at cold start) is built again on the next
 * invocation instead of failing every later invocation on that warm container.
 */
import { describe, expect, it } from 'vitest';
import type { Deps } from '#core/pipeline/deps.ts';
import { lambdaHandler, type StepHandler } from '#handlers/runtime.ts';

/** What Secrets Manager's GetSecretValue throws on a transient 500 (name as the AWS SDK sets it). */
function secretsManagerBlip(): Error {
  const error = new Error('An internal error occurred. Try again.');
  error.name = 'InternalServiceError';
  return error;
}

describe('lambdaHandler', () => {
  it('retries a rejected cold start on the next invocation, then keeps the built dependencies', async () => {
    let builds = 0;
    const asked: string[] = [];
    const load = async (stepId: string): Promise<Deps> => {
      builds++;
      asked.push(stepId);
      if (builds === 1) throw secretsManagerBlip();
      return { newId: () => `deps-${builds}` } as unknown as Deps;
    };
    const make = (deps: Deps): StepHandler => async (event) => ({ event, built: deps.newId() });
    const handler = lambdaHandler(make, 'ResearchLead', load);

    await expect(handler({ n: 1 })).rejects.toMatchObject({ name: 'InternalServiceError' });
    await expect(handler({ n: 2 })).resolves.toEqual({ event: { n: 2 }, built: 'deps-2' });
    await expect(handler({ n: 3 })).resolves.toEqual({ event: { n: 3 }, built: 'deps-2' });
    expect(builds).toBe(2);
    // each build is of the step's own ports
    expect(asked).toEqual(['ResearchLead', 'ResearchLead']);
  });

  it('shares one build between invocations that arrive while it is under way, failed or not', async () => {
    let builds = 0;
    let fail!: (e: Error) => void;
    const load = (): Promise<Deps> => {
      builds++;
      if (builds === 1) return new Promise<Deps>((_resolve, reject) => (fail = reject));
      return Promise.resolve({} as Deps);
    };
    const handler = lambdaHandler(() => async () => 'ok', 'StartRun', load);
    const first = handler({});
    const second = handler({});
    fail(secretsManagerBlip());
    await expect(first).rejects.toThrow(/internal error/);
    await expect(second).rejects.toThrow(/internal error/);
    await expect(handler({})).resolves.toBe('ok');
    expect(builds).toBe(2);
  });

  it('does not build again when the step itself fails', async () => {
    let builds = 0;
    const handler = lambdaHandler(
      () => async () => {
        throw new Error('step failed');
      },
      'FetchSite',
      async () => {
        builds++;
        return {} as Deps;
      },
    );
    await expect(handler({})).rejects.toThrow('step failed');
    await expect(handler({})).rejects.toThrow('step failed');
    expect(builds).toBe(1);
  });
});
