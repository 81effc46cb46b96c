import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLine, formatLines, type FormatOptions } from '../../src/supervisor/log-format';
import { makeLineSplitter } from '../../src/supervisor/line-splitter';
import { escapeControls } from '../../src/init/log';

const text = (chunks: string[], max?: number): string[] => {
  const s = makeLineSplitter(max);
  const out: string[] = [];
  for (const c of chunks) out.push(...s.push(Buffer.from(c)).map((b) => b.toString()));
  out.push(...s.flush().map((b) => `<partial>${b.toString()}`));
  return out;
};

test('line splitter: whole lines, CRLF, lines across chunks, partial last line flushed', () => {
  const rows: Array<[string[], string[]]> = [
    [['a\nb\n'], ['a', 'b']],
    [['a', 'b', '\n'], ['ab']],
    [['a\r\nb\n'], ['a', 'b']],
    [['\n\n'], ['', '']],
    [['x\ny'], ['x', '<partial>y']],
    [[''], []],
  ];
  for (const [chunks, want] of rows) assert.deepEqual(text(chunks), want, JSON.stringify(chunks));
});

test('line splitter: an over-long line is cut into pieces, never lost, never inside a UTF-8 character', () => {
  assert.deepEqual(text(['abcdefghij\n'], 4), ['abcd', 'efgh', 'ij']);
  assert.deepEqual(text(['abcdefghij'], 4), ['abcd', 'efgh', '<partial>ij']);
  const euro = '€€€€'; // 3 bytes each
  const pieces = text([`${euro}\n`], 4);
  assert.deepEqual(pieces, ['€', '€', '€', '€']);
  assert.equal(pieces.join(''), euro);
});

test('log format: text prefix, colour only when asked, JSON is pure JSON', () => {
  const now = new Date('2026-11-29T12:00:00.000Z');
  const base: FormatOptions = { format: 'text', color: false, timestamps: false, nameWidth: 6 };
  const rows: Array<[FormatOptions, string]> = [
    [base, 'web    | hello\n'],
    [{ ...base, timestamps: true }, 'web    | 2026-11-29T12:00:00.000Z hello\n'],
    [{ ...base, color: true }, '\x1b[36mweb    |\x1b[0m hello\n'],
    [{ ...base, format: 'json' }, '{"service":"web","stream":"stdout","line":"hello"}\n'],
    [{ ...base, format: 'json', timestamps: true }, '{"time":"2026-11-29T12:00:00.000Z","service":"web","stream":"stdout","line":"hello"}\n'],
  ];
  for (const [opts, want] of rows) assert.equal(formatLine(opts, 'web', 36, 'stdout', Buffer.from('hello'), now).toString(), want);
  const tricky = formatLine({ ...base, format: 'json' }, 'w', 36, 'stderr', Buffer.from('"quoted"\t\\ {json}'), now).toString();
  assert.deepEqual(JSON.parse(tricky), { service: 'w', stream: 'stderr', line: '"quoted"\t\\ {json}' });
});

test('formatLines gives the same bytes as formatLine line by line', () => {
  const now = new Date('2026-11-29T12:00:00.000Z');
  const lines = ['a', '', 'é "q" \\', 'tab\there', '\u0001ctl', 'last'].map((l) => Buffer.from(l));
  for (const opts of [
    { format: 'text', color: false, timestamps: false, nameWidth: 6 },
    { format: 'text', color: true, timestamps: true, nameWidth: 3 },
    { format: 'json', color: false, timestamps: false, nameWidth: 6 },
    { format: 'json', color: false, timestamps: true, nameWidth: 6 },
  ] as FormatOptions[]) {
    const one = Buffer.concat(lines.map((l) => formatLine(opts, 'web', 36, 'stderr', l, now)));
    assert.deepEqual(formatLines(opts, 'web', 36, 'stderr', lines, now), one, JSON.stringify(opts));
  }
});

test('escapeControls keeps a diagnostic on one line and out of the terminal', () => {
  const rows: Array<[string, string]> = [
    ['plain text', 'plain text'],
    ['a\nb', 'a\\nb'],
    ['a\r\nb', 'a\\r\\nb'],
    ['tab\tstays', 'tab\tstays'],
    ['\x1b[31mred', '\\x1b[31mred'],
    ['nul\0del\x7f', 'nul\\x00del\\x7f'],
    ['unicode ✓ é', 'unicode ✓ é'],
  ];
  for (const [input, want] of rows) assert.equal(escapeControls(input), want, JSON.stringify(input));
});
