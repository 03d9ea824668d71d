/**
 * Plain words for zod's own issues, shared by every reader of what a person wrote (the
 * onboarding file, the environment, a leads file, the mail settings): "is missing", "must be a
 * finite number", `"abc" is not a whole number` instead of zod's "Invalid input: expected
 * number, received NaN". A schema's own messages win over these; issues without plain words here
 * keep zod's. Given to `safeParse` as its error map.
 */
import type { z } from 'zod';

/**
 * The error map for `schema.safeParse(input, { error: plainWords(input) })`. `input` is what was
 * parsed: a value coerced from text (an environment variable) is quoted as it was written.
 */
export function plainWords(input?: unknown): (issue: z.core.$ZodRawIssue) => string | undefined {
  return (issue) => describeIssue(issue, written(input, issue.path ?? []) ?? issue.input);
}

/** The value at `path` in `input` as given, if there is one. */
function written(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Whether the number schema that raised `issue` takes whole numbers only (`.int()`). */
function wantsWhole(issue: z.core.$ZodRawIssue): boolean {
  if ((issue as { expected?: string }).expected === 'int') return true;
  const checks = (issue.inst as { _zod?: { def?: { checks?: { _zod?: { def?: { format?: string } } }[] } } } | undefined)?._zod?.def?.checks ?? [];
  return checks.some((c) => /int/.test(c._zod?.def?.format ?? ''));
}

function describeIssue(issue: z.core.$ZodRawIssue, asWritten: unknown): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is missing';
      if ((issue.expected === 'number' || issue.expected === 'int') && typeof issue.input === 'number') {
        const whole = wantsWhole(issue);
        // text turned into a number (an environment variable): quote what was written
        if (typeof asWritten === 'string') {
          const infinite = !Number.isNaN(issue.input) && !Number.isFinite(issue.input);
          return `${quote(asWritten)} is not ${infinite ? 'a finite number' : whole ? 'a whole number' : 'a number'}`;
        }
        if (!Number.isFinite(issue.input)) return 'must be a finite number';
        if (whole) return `must be a whole number, not ${issue.input}`;
      }
      return `must be ${article(String(issue.expected))}, not ${describeValue(issue.input)}`;
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v)).join(', ');
      if (issue.input === undefined) return `is missing; use one of ${options}`;
      return `must be one of ${options}, not ${describeValue(issue.input)}`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array') return `needs at least ${min} item${min === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      return `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return `must have at most ${max} items`;
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${max}`;
    }
    case 'invalid_format':
      return `is not a valid ${issue.format}`;
    default:
      return undefined;
  }
}

const quote = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

function article(expected: string): string {
  const word = expected === 'int' ? 'whole number' : expected === 'array' ? 'list' : expected;
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null (empty)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${quote(value)}`;
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return 'an object';
  return typeof value;
}
