import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FORWARDED_SIGNALS, isTerminatingSignal, nameSignal, parseSignal, SIGNALS, translateSignal } from '../../src/core/signals';

test('parseSignal accepts names, SIG-less names, numbers and RT offsets', () => {
  const rows: Array<[string, number | null]> = [
    ['15', 15], ['SIGTERM', 15], ['term', 15], ['SigKill', 9], [' HUP ', 1],
    ['RTMIN', 34], ['SIGRTMIN+2', 36], ['SIGRTMAX', 64], ['RTMAX-1', 63],
    ['0', null], ['65', null], ['SIGFOO', null], ['', null], ['RTMIN+40', null], ['-1', null],
  ];
  for (const [text, want] of rows) {
    const got = parseSignal(text);
    if (want === null) assert.equal(got.kind, 'invalid', text);
    else assert.deepEqual(got, { kind: 'ok', signum: want }, text);
  }
  assert.deepEqual(parseSignal('0', { allowZero: true }), { kind: 'ok', signum: 0 });
});

test('translateSignal applies rewrites, 0 drops', () => {
  const rewrites = new Map([[15, 3], [2, 0]]);
  const rows: Array<[number, number | null]> = [[15, 3], [2, null], [1, 1], [10, 10]];
  for (const [from, to] of rows) assert.equal(translateSignal(from, rewrites), to, String(from));
});

test('isTerminatingSignal follows default dispositions', () => {
  const rows: Array<[number, boolean]> = [
    [SIGNALS.SIGTERM!, true], [SIGNALS.SIGHUP!, true], [SIGNALS.SIGUSR1!, true], [SIGNALS.SIGQUIT!, true],
    [SIGNALS.SIGCONT!, false], [SIGNALS.SIGCHLD!, false], [SIGNALS.SIGWINCH!, false], [SIGNALS.SIGTSTP!, false],
    [SIGNALS.SIGURG!, false], [40, true], [0, false], [65, false],
  ];
  for (const [sig, want] of rows) assert.equal(isTerminatingSignal(sig), want, String(sig));
});

test('forwarded set leaves out fault, tty-job and reaper signals', () => {
  for (const left of ['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGABRT', 'SIGTRAP', 'SIGSYS', 'SIGTTIN', 'SIGTTOU', 'SIGCHLD', 'SIGKILL', 'SIGSTOP', 'SIGPROF']) {
    assert.ok(!FORWARDED_SIGNALS.includes(left), left);
  }
  for (const kept of ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGWINCH', 'SIGCONT', 'SIGTSTP', 'SIGPWR']) {
    assert.ok(FORWARDED_SIGNALS.includes(kept), kept);
  }
});

test('nameSignal names standard and real-time signals', () => {
  const rows: Array<[number, string]> = [[15, 'SIGTERM'], [34, 'SIGRTMIN'], [36, 'SIGRTMIN+2'], [99, 'signal 99']];
  for (const [n, want] of rows) assert.equal(nameSignal(n), want);
});
