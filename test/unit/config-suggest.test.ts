import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureEditDistance, suggestName } from '../../src/config/suggest';
import { formatPath } from '../../src/config/cursor';

test('measureEditDistance', () => {
  const rows: Array<[string, string, number]> = [
    ['', '', 0], ['a', '', 1], ['restart', 'restart', 0], ['restrat', 'restart', 1], ['ca', 'abc', 3], ['kitten', 'sitting', 3], ['db', 'dbb', 1],
  ];
  for (const [a, b, want] of rows) assert.equal(measureEditDistance(a, b), want, `${a} ${b}`);
});

test('suggestName', () => {
  const keys = ['command', 'env', 'cwd', 'stop_timeout', 'on_give_up', 'restart'];
  const rows: Array<[string, string | null]> = [
    ['comand', 'command'], ['restrat', 'restart'], ['stopTimeout', 'stop_timeout'], ['onGiveUp', 'on_give_up'],
    ['ENV', 'env'], ['colour', null], ['x', null], ['xyz', null], ['enf', 'env'], ['evn', 'env'], ['nope', null],
  ];
  for (const [word, want] of rows) assert.equal(suggestName(word, keys), want, word);
});

test('formatPath', () => {
  const rows: Array<[Array<string | number>, string]> = [
    [[], ''], [['services', 'web', 'depends_on', 0], 'services.web.depends_on[0]'],
    [['services', 'my.app', 'env', 'A=B'], 'services["my.app"].env["A=B"]'], [['services', '2'], 'services["2"]'],
  ];
  for (const [segments, want] of rows) assert.equal(formatPath(segments), want);
});
