// Where in the file a value sits, and how to fail there with a one-line message.
import { ConfigError, formatConfigMessage, type SourcePosition } from './errors';

export type Segment = string | number;
export type Target = 'key' | 'value';
export type Locate = (segments: readonly Segment[], target: Target) => SourcePosition | null;

export interface Cursor {
  file: string;
  segments: readonly Segment[];
  locate: Locate | null;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function descend(c: Cursor, segment: Segment): Cursor {
  return { ...c, segments: [...c.segments, segment] };
}

export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (PLAIN_KEY.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

// detail: "<what is wrong>; <how to fix>" or "expected X, got Y".
export function fail(c: Cursor, detail: string, expected: string, target: Target = 'value'): never {
  const path = formatPath(c.segments);
  const position = c.locate?.(c.segments, target) ?? null;
  throw new ConfigError(formatConfigMessage(c.file, position, path, detail), { file: c.file, path, expected, position });
}

export function failType(c: Cursor, expected: string, value: unknown): never {
  return fail(c, `expected ${expected}, got ${describeValue(value)}`, expected);
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}
