// Text -> plain data, plus a way to find a data path's line in the text.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { Locate, Segment, Target } from './cursor';
import { ConfigError, formatConfigMessage, type SourcePosition } from './errors';

export interface ParsedSource {
  data: unknown;
  locate: Locate;
}

const YAML_OPTIONS = { merge: true, prettyErrors: false } as const;

export function parseYamlText(text: string, file: string): ParsedSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter: lines });
  const error = doc.errors[0];
  if (error) throwSyntaxError(file, 'YAML', error.message, toPosition(lines, error.pos[0]));
  let data: unknown;
  try {
    data = doc.toJS({ mapAsMap: true });
  } catch (e) {
    throwSyntaxError(file, 'YAML', (e as Error).message, null);
  }
  return { data, locate: (segments, target) => locateNode(doc, lines, segments, target) };
}

export function parseJsonText(text: string, file: string): ParsedSource {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const message = (e as Error).message;
    const at = /at position (\d+)/.exec(message);
    throwSyntaxError(file, 'JSON', message, at ? findPosition(text, Number(at[1])) : null);
  }
  // JSON is YAML, so the YAML parser can find lines; only needed when reporting an error.
  let located: ParsedSource | null | undefined;
  const locate: Locate = (segments, target) => {
    if (located === undefined) {
      try { located = parseYamlText(text, file); } catch { located = null; }
    }
    return located ? located.locate(segments, target) : null;
  };
  return { data, locate };
}

function throwSyntaxError(file: string, language: string, message: string, position: SourcePosition | null): never {
  const reason = shortenReason(message);
  throw new ConfigError(formatConfigMessage(file, position, '', `invalid ${language}: ${reason}`), {
    file, path: '', expected: `valid ${language}`, position,
  });
}

// First line only, without the parser's own location or a quoted copy of the input.
function shortenReason(message: string): string {
  return message.split('\n')[0]!
    .replace(/, ".*$/, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/ at line \d+, column \d+.*$/, '')
    .trim();
}

function findPosition(text: string, offset: number): SourcePosition {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

function locateNode(doc: Document, lines: LineCounter, segments: readonly Segment[], target: Target): SourcePosition | null {
  let node: unknown = doc.contents;
  let offset = startOf(node);
  for (let i = 0; i < segments.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const segment = segments[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (!pair) break;
      if (i === segments.length - 1 && target === 'key') return toPosition(lines, startOf(pair.key) ?? offset);
      node = pair.value;
      offset = startOf(pair.value) ?? startOf(pair.key) ?? offset;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment];
      offset = startOf(node) ?? offset;
    } else {
      break;
    }
  }
  return toPosition(lines, offset);
}

function startOf(node: unknown): number | null {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : null;
}

function toPosition(lines: LineCounter, offset: number | null): SourcePosition | null {
  if (offset === null) return null;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}
