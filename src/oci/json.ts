// A strict JSON reader and writer for config.json that loses nothing:
// - a syntax error comes back with its line and column (JSON.parse's message
//   has no position on Node 20, and a different one on every version);
// - an integer too large for a double (a memory limit of 2^63-1, a 64-bit
//   seccomp argument) is kept as its literal text, so rewriting the file
//   never changes a number;
// - the writer prints what JSON.stringify(value, null, indent) prints.

export type JsonValue = null | boolean | number | string | RawNumber | JsonValue[] | JsonObject;
export interface JsonObject { [key: string]: JsonValue }

// An integer literal a double cannot hold exactly, written back as it was read.
export class RawNumber {
  constructor(readonly text: string) {}
}

export type ParseResult =
  | { kind: 'ok'; value: JsonValue }
  | { kind: 'error'; line: number; column: number; message: string };

class JsonSyntaxError extends Error {
  constructor(readonly offset: number, message: string) { super(message); }
}

export function parseJson(text: string): ParseResult {
  const p = new Parser(text);
  try {
    p.skipSpace();
    if (p.pos === 0 && text.charCodeAt(0) === 0xfeff) { p.pos = 1; p.skipSpace(); }
    const value = p.readValue();
    p.skipSpace();
    if (p.pos < text.length) throw new JsonSyntaxError(p.pos, `unexpected ${describeAt(text, p.pos)} after the end of the JSON value`);
    return { kind: 'ok', value };
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return { kind: 'error', ...lineColumn(text, err.offset), message: err.message };
  }
}

class Parser {
  pos = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos += 1;
    }
  }

  readValue(): JsonValue {
    const t = this.text;
    if (this.pos >= t.length) throw new JsonSyntaxError(this.pos, 'unexpected end of file, a value was expected');
    const c = t[this.pos]!;
    if (c === '{') return this.nested(() => this.readObject());
    if (c === '[') return this.nested(() => this.readArray());
    if (c === '"') return this.readString();
    if (c === '-' || (c >= '0' && c <= '9')) return this.readNumber();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (t.startsWith(word, this.pos)) { this.pos += word.length; return value; }
    }
    throw new JsonSyntaxError(this.pos, `unexpected ${describeAt(t, this.pos)}, a value was expected`);
  }

  private nested<T>(read: () => T): T {
    if (++this.depth > 512) throw new JsonSyntaxError(this.pos, 'nested more than 512 levels deep');
    const value = read();
    this.depth -= 1;
    return value;
  }

  private readObject(): JsonObject {
    const obj: JsonObject = {};
    this.pos += 1; // {
    this.skipSpace();
    if (this.text[this.pos] === '}') { this.pos += 1; return obj; }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') {
        const trailing = this.text[this.pos] === '}' ? ' (a comma before "}" is not allowed in JSON)' : '';
        throw new JsonSyntaxError(this.pos, `unexpected ${describeAt(this.text, this.pos)}, a "quoted" property name was expected${trailing}`);
      }
      const key = this.readString();
      this.skipSpace();
      this.expect(':', 'after a property name');
      this.skipSpace();
      // defineProperty, so a key named "__proto__" is an ordinary key
      Object.defineProperty(obj, key, { value: this.readValue(), enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      if (this.text[this.pos] === ',') { this.pos += 1; continue; }
      if (this.text[this.pos] === '}') { this.pos += 1; return obj; }
      throw new JsonSyntaxError(this.pos, `unexpected ${describeAt(this.text, this.pos)}, "," or "}" was expected`);
    }
  }

  private readArray(): JsonValue[] {
    const arr: JsonValue[] = [];
    this.pos += 1; // [
    this.skipSpace();
    if (this.text[this.pos] === ']') { this.pos += 1; return arr; }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === ']') throw new JsonSyntaxError(this.pos, 'unexpected "]", a value was expected (a comma before "]" is not allowed in JSON)');
      arr.push(this.readValue());
      this.skipSpace();
      if (this.text[this.pos] === ',') { this.pos += 1; continue; }
      if (this.text[this.pos] === ']') { this.pos += 1; return arr; }
      throw new JsonSyntaxError(this.pos, `unexpected ${describeAt(this.text, this.pos)}, "," or "]" was expected`);
    }
  }

  private readString(): string {
    const t = this.text;
    const start = this.pos;
    this.pos += 1; // opening quote
    for (;;) {
      if (this.pos >= t.length) throw new JsonSyntaxError(start, 'unterminated string');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) break;
      if (c < 0x20) throw new JsonSyntaxError(this.pos, 'control character in a string (write it as an escape such as \\n)');
      if (c === 0x5c) {
        const e = t[this.pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) throw new JsonSyntaxError(this.pos, 'bad \\u escape: four hex digits are needed');
          this.pos += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) throw new JsonSyntaxError(this.pos, `bad escape "\\${e ?? ''}" in a string`);
        this.pos += 2;
        continue;
      }
      this.pos += 1;
    }
    this.pos += 1; // closing quote
    return JSON.parse(t.slice(start, this.pos)) as string;
  }

  private readNumber(): number | RawNumber {
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!m) throw new JsonSyntaxError(this.pos, `bad number ${describeAt(this.text, this.pos)}`);
    const next = this.text[this.pos + m[0].length];
    if (next !== undefined && /[0-9.eE+\-]/.test(next)) throw new JsonSyntaxError(this.pos + m[0].length, `bad number "${m[0]}${next}"`);
    this.pos += m[0].length;
    const n = Number(m[0]);
    const isInteger = m[1] === undefined && m[2] === undefined;
    return isInteger && !Number.isSafeInteger(n) ? new RawNumber(m[0]) : n;
  }

  private expect(ch: string, where: string): void {
    if (this.text[this.pos] !== ch) throw new JsonSyntaxError(this.pos, `unexpected ${describeAt(this.text, this.pos)}, "${ch}" was expected ${where}`);
    this.pos += 1;
  }
}

function describeAt(text: string, pos: number): string {
  if (pos >= text.length) return 'end of file';
  const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(pos, pos + 40));
  if (word) return `"${word[0]}"`;
  return JSON.stringify(String.fromCodePoint(text.codePointAt(pos)!));
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) { line += 1; lineStart = i + 1; }
  }
  return { line, column: offset - lineStart + 1 };
}

// The file's own indentation (a tab, or N spaces), from its first indented
// line; '' (all on one line) for a file written on one line.
export function detectIndent(text: string): string {
  if (!text.trim().includes('\n')) return '';
  const m = /\n([ \t]+)\S/.exec(text);
  if (!m) return '  ';
  return m[1]!.startsWith('\t') ? '\t' : m[1]!;
}

// JSON.stringify(value, null, indent), except that a RawNumber is written as its text.
export function stringifyJson(value: JsonValue, indent: string): string {
  return write(value, indent, '');
}

function write(v: JsonValue, indent: string, outer: string): string {
  if (v instanceof RawNumber) return v.text;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (indent === '') {
    if (Array.isArray(v)) return `[${v.map((x) => write(x, indent, outer)).join(',')}]`;
    return `{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${write(v[k]!, indent, outer)}`).join(',')}}`;
  }
  const inner = outer + indent;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + write(x, indent, inner)).join(',\n')}\n${outer}]`;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${write(v[k]!, indent, inner)}`).join(',\n')}\n${outer}}`;
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawNumber);
}

export function cloneJson<T extends JsonValue>(v: T): T {
  if (v === null || typeof v !== 'object' || v instanceof RawNumber) return v;
  if (Array.isArray(v)) return v.map((x) => cloneJson(x)) as T;
  const out: JsonObject = {};
  for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: cloneJson(v[k]!), enumerable: true, writable: true, configurable: true });
  return out as T;
}

// Same values, same key order (so the same text when written).
export function equalJson(a: JsonValue, b: JsonValue): boolean {
  return stringifyJson(a, '') === stringifyJson(b, '');
}
