// Typed readers for single values. Each either returns the normalised value or
// fails at the cursor with a message that says what was expected.
import { parseDuration } from '../core/duration';
import { MAX_ID } from '../core/ids';
import { parseSignal, SIGNALS } from '../core/signals';
import { descend, describeValue, fail, failType, type Cursor } from './cursor';
import { formatChoices, suggestName } from './suggest';

export type Fields = ReadonlyMap<string, unknown>;

const DURATION = 'a duration such as 5s or 500ms';
const SIGNAL = 'a signal such as SIGTERM, TERM or 15';

export function readMapping(c: Cursor, v: unknown): Fields {
  if (v instanceof Map) return new Map([...v].map(([k, val]) => [String(k), val]));
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return new Map(Object.entries(v));
  return failType(c, 'a mapping', v);
}

export function checkKeys(c: Cursor, fields: Fields, allowed: readonly string[]): void {
  for (const key of fields.keys()) {
    if (allowed.includes(key)) continue;
    const hint = suggestName(key, allowed);
    const fix = hint ? `did you mean "${hint}"?` : `allowed keys are ${formatChoices(allowed)}`;
    fail(descend(c, key), `unknown key; ${fix}`, formatChoices(allowed), 'key');
  }
}

// A mapping whose keys are all in `allowed`.
export function readFields(c: Cursor, v: unknown, allowed: readonly string[]): Fields {
  const fields = readMapping(c, v);
  checkKeys(c, fields, allowed);
  return fields;
}

export function readOptional<T>(c: Cursor, fields: Fields, key: string, read: (c: Cursor, v: unknown) => T, fallback: T): T {
  return fields.has(key) ? read(descend(c, key), fields.get(key)) : fallback;
}

export function readRequired<T>(c: Cursor, fields: Fields, key: string, read: (c: Cursor, v: unknown) => T, example: string): T {
  if (!fields.has(key)) fail(descend(c, key), `missing; add ${key}: ${example}`, example);
  return read(descend(c, key), fields.get(key));
}

export function readList(c: Cursor, v: unknown, expected = 'a list'): unknown[] {
  return Array.isArray(v) ? v : failType(c, expected, v);
}

export function readString(c: Cursor, v: unknown): string {
  if (typeof v !== 'string') {
    if (typeof v === 'number') fail(c, `expected a string, got ${v}; quote it: "${v}"`, 'a string');
    return failType(c, 'a string', v);
  }
  if (v.trim() === '') fail(c, 'empty string; remove the key or give it a value', 'a non-empty string');
  return v;
}

export function readBoolean(c: Cursor, v: unknown): boolean {
  return typeof v === 'boolean' ? v : failType(c, 'true or false', v);
}

export function readTrue(c: Cursor, v: unknown): true {
  if (v !== true) failType(c, 'true', v);
  return true;
}

export function readInteger(c: Cursor, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  if (typeof v !== 'number' || !Number.isInteger(v)) return failType(c, range, v);
  if (v < min || v > max) fail(c, `${v} is out of range; expected ${range}`, range);
  return v;
}

export function readNumber(c: Cursor, v: unknown, min: number): number {
  const range = `a number >= ${min}`;
  if (typeof v !== 'number' || !Number.isFinite(v)) return failType(c, range, v);
  if (v < min) fail(c, `${v} is out of range; expected ${range}`, range);
  return v;
}

// A string or integer, such as a user name or uid.
export function readId(c: Cursor, v: unknown): string {
  if (typeof v === 'number') return String(readInteger(c, v, 0, MAX_ID));
  if (typeof v !== 'string') return failType(c, 'a name or a numeric id', v);
  if (/^\d+$/.test(v) && Number(v) > MAX_ID) fail(c, `${describeValue(v)} is out of range; expected an id from 0 to ${MAX_ID}`, `an id from 0 to ${MAX_ID}`);
  return readString(c, v);
}

export function readDuration(c: Cursor, v: unknown, minMs = 0): number {
  if (typeof v !== 'string' && typeof v !== 'number') return failType(c, DURATION, v);
  const parsed = parseDuration(String(v));
  if (parsed.kind === 'invalid') {
    const tooLong = parsed.reason.includes('24h') ? ' (the limit is 24h)' : '';
    fail(c, `expected ${DURATION}, got ${describeValue(v)}${tooLong}`, DURATION);
  }
  if (parsed.ms < minMs) fail(c, `${describeValue(v)} is too short; expected at least ${minMs}ms`, `a duration of at least ${minMs}ms`);
  return parsed.ms;
}

export function readSignal(c: Cursor, v: unknown): number {
  if (typeof v !== 'string' && (typeof v !== 'number' || !Number.isInteger(v))) return failType(c, SIGNAL, v);
  const text = String(v).trim();
  const parsed = parseSignal(text);
  if (parsed.kind === 'ok') return parsed.signum;
  if (/^\d+$/.test(text)) fail(c, `signal number ${text} is out of range; expected 1-64 or a name such as SIGTERM`, SIGNAL);
  const bare = text.toUpperCase().replace(/^SIG/, '');
  const hint = suggestName(bare, Object.keys(SIGNALS).map((name) => name.slice(3)));
  const fix = hint ? `did you mean "SIG${hint}"?` : `expected ${SIGNAL}`;
  return fail(c, `unknown signal ${describeValue(v)}; ${fix}`, SIGNAL);
}

export function readEnum<T extends string>(c: Cursor, v: unknown, choices: readonly T[]): T {
  const expected = `one of ${formatChoices(choices)}`;
  if (typeof v !== 'string') return failType(c, expected, v);
  if ((choices as readonly string[]).includes(v)) return v as T;
  const hint = suggestName(v, choices);
  const fix = hint ? `did you mean "${hint}"?` : `expected ${expected}`;
  return fail(c, `unknown value ${describeValue(v)}; ${fix}`, expected);
}

// argv: a non-empty list of strings, or a string run by /bin/sh -c.
export function readCommand(c: Cursor, v: unknown): string[] {
  const expected = 'a list of strings such as ["node", "server.js"], or a shell command string';
  if (typeof v === 'string') return ['/bin/sh', '-c', readString(c, v)];
  const list = readList(c, v, expected);
  if (list.length === 0) fail(c, `empty command; expected ${expected}`, expected);
  const argv = list.map((item, i) => {
    const at = descend(c, i);
    if (typeof item !== 'string') return readString(at, item);
    return item;
  });
  if (argv[0] === '') fail(descend(c, 0), 'empty program name; name the program to run', 'a program name');
  return argv;
}

export function readStrings(c: Cursor, v: unknown): string[] {
  if (typeof v === 'string') return [readString(c, v)];
  return readList(c, v, 'a string or a list of strings').map((item, i) => readString(descend(c, i), item));
}
