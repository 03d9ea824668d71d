/**
 * Lexing just enough SQL to find statement ends and `:name` parameters without looking inside
 * comments, strings, quoted identifiers or dollar-quoted bodies. Shared by the migrator and both
 * Sql adapters, so they agree on what is code; also what both adapters refuse to bind and how
 * their errors name a statement, so the two refuse the same values in the same words.
 */

import { DatabaseError } from '../errors.ts';

/** A statement's first 80 characters on one line: how errors name the statement they came from. */
export function statementHead(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 80);
}

/** The error an adapter throws when it refuses a statement before sending it: `<head>: <reason>`. */
export function statementRefused(text: string, reason: string): DatabaseError {
  const head = statementHead(text);
  return new DatabaseError(head, `${head}: ${reason}`);
}

/** Which of a statement's `:names` have no value in `params`, as a refusal's reason, or undefined when none is missing. */
export function missingParameters(names: readonly string[], params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const missing = names.filter((name) => params?.[name] === undefined);
  if (missing.length === 0) return undefined;
  return `missing SQL parameter${missing.length > 1 ? 's' : ''} ${missing.map((m) => `:${m}`).join(', ')}`;
}

/**
 * Why `value` cannot be bound as `:name`, or undefined when it can: a NaN or infinite number (the
 * Data API cannot carry it, and PostgreSQL would store 'NaN' or 'Infinity' as float8 locally) or
 * an invalid Date.
 */
export function unbindable(name: string, value: unknown): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return `:${name} is ${value}, which SQL cannot hold`;
  if (value instanceof Date && Number.isNaN(value.getTime())) return `:${name} is an invalid Date`;
  return undefined;
}

/**
 * If a string literal, quoted identifier, comment or dollar-quoted body starts at `i`, the index
 * just past it; otherwise `i`.
 */
export function skipNonCode(text: string, i: number): number {
  const c = text[i];
  const next = text[i + 1];
  if (c === '-' && next === '-') {
    const nl = text.indexOf('\n', i + 2);
    return nl < 0 ? text.length : nl + 1;
  }
  if (c === '/' && next === '*') {
    // Block comments nest in PostgreSQL.
    let depth = 1;
    let j = i + 2;
    while (j < text.length && depth > 0) {
      if (text[j] === '/' && text[j + 1] === '*') {
        depth++;
        j += 2;
      } else if (text[j] === '*' && text[j + 1] === '/') {
        depth--;
        j += 2;
      } else j++;
    }
    return j;
  }
  if (c === "'") {
    const prev = i > 0 ? text[i - 1] : '';
    const prev2 = i > 1 ? text[i - 2] : '';
    // E'...' strings take backslash escapes; `e` must not end a longer identifier.
    const escapes = (prev === 'E' || prev === 'e') && !/[A-Za-z0-9_$]/.test(prev2);
    let j = i + 1;
    while (j < text.length) {
      if (escapes && text[j] === '\\') j += 2;
      else if (text[j] === "'") {
        if (text[j + 1] === "'") j += 2;
        else return j + 1;
      } else j++;
    }
    return text.length;
  }
  if (c === '"') {
    let j = i + 1;
    while (j < text.length) {
      if (text[j] === '"') {
        if (text[j + 1] === '"') j += 2;
        else return j + 1;
      } else j++;
    }
    return text.length;
  }
  if (c === '$') {
    const prev = i > 0 ? text[i - 1] : '';
    if (/[A-Za-z0-9_$]/.test(prev)) return i;
    const m = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 66));
    if (!m) return i;
    const close = text.indexOf(m[0], i + m[0].length);
    return close < 0 ? text.length : close + m[0].length;
  }
  return i;
}


/**
 * SQL that turns the JSON-array parameter `:name` into a `text[]`, order kept. Arrays travel as
 * JSON on both PGlite and the Data API, so this one spelling works on both.
 */
export function textArray(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`textArray: bad parameter name "${name}"`);
  return `ARRAY(SELECT e FROM jsonb_array_elements_text(:${name}::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n)`;
}

/**
 * Rewrites each `:name` parameter with `replace(name, position)`, where position counts distinct
 * names from 1 in first-use order, and returns the names in that order. Casts (`::uuid`), `:=`,
 * strings, quoted identifiers, dollar-quoted bodies, comments and `arr[lo:hi]` slices are copied
 * as they are: their colons are not parameters.
 */
export function rewriteParameters(text: string, replace: (name: string, position: number) => string): { text: string; names: string[] } {
  const names: string[] = [];
  const position = new Map<string, number>();
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    const end = skipNonCode(text, i);
    if (end > i) {
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === ':') {
      if (next === ':' || next === '=') {
        // copy both characters, so the second colon is not taken for a parameter's start
        out += c + next;
        i += 2;
        continue;
      }
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1, i + 65));
      // In an `arr[lo:hi]` slice the colon follows an identifier, a digit or `]`; a parameter
      // never does. (`arr[:hi]` with an identifier bound is read as a parameter: write `arr[1:hi]`.)
      if (m && !/[A-Za-z0-9_$\]]/.test(text[i - 1] ?? '')) {
        const name = m[0];
        let k = position.get(name);
        if (k === undefined) {
          names.push(name);
          k = names.length;
          position.set(name, k);
        }
        out += replace(name, k);
        i += 1 + name.length;
        continue;
      }
    }
    out += c;
    i += 1;
  }
  return { text: out, names };
}
