import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../src/core/duration';

test('parseDuration', () => {
  const rows: Array<[string, number | null]> = [
    ['5s', 5000], ['500ms', 500], ['0', 0], ['0s', 0], ['1.5s', 1500], ['2m', 120000], ['10', 10000], ['1h', 3600000],
    ['', null], ['5x', null], ['-1s', null], ['s', null], ['25h', null], ['1e3', null],
  ];
  for (const [text, want] of rows) {
    const got = parseDuration(text);
    if (want === null) assert.equal(got.kind, 'invalid', text);
    else assert.deepEqual(got, { kind: 'ok', ms: want }, text);
  }
});

test('formatDuration', () => {
  assert.equal(formatDuration(8000), '8s');
  assert.equal(formatDuration(1500), '1500ms');
  assert.equal(formatDuration(2.157324000000017), '2ms');
});
