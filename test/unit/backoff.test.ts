import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRestart, isFailure, type RestartDecision, type RestartInput } from '../../src/core/backoff';
import type { Ending } from '../../src/core/exit-status';

const OK: Ending = { kind: 'exited', code: 0 };
const CODE3: Ending = { kind: 'exited', code: 3 };
const TERM: Ending = { kind: 'signaled', signum: 15, core: false };
const NOW = 1_000_000;

function input(over: Partial<RestartInput> = {}): RestartInput {
  return {
    policy: 'always', ending: CODE3, stopping: false, oneshot: false,
    backoff: { initialMs: 1000, maxMs: 30_000, factor: 2, resetAfterMs: 60_000 },
    maxRestarts: null, restartWindowMs: 60_000, history: [], currentDelayMs: null,
    runMs: 10, nowMs: NOW,
    ...over,
  };
}

test('isFailure: a non-zero code or any signal', () => {
  const rows: Array<[Ending, boolean]> = [
    [OK, false], [CODE3, true], [{ kind: 'exited', code: 255 }, true], [TERM, true],
    [{ kind: 'signaled', signum: 9, core: false }, true],
  ];
  for (const [ending, want] of rows) assert.equal(isFailure(ending), want, JSON.stringify(ending));
});

test('policy, ending, oneshot and stopping decide whether to restart at all', () => {
  const rows: Array<[string, Partial<RestartInput>, RestartDecision['kind'], string?]> = [
    ['no, failure', { policy: 'no' }, 'stay-down', 'restart policy is "no"'],
    ['no, success', { policy: 'no', ending: OK }, 'stay-down'],
    ['on-failure, code 3', { policy: 'on-failure' }, 'restart'],
    ['on-failure, signal', { policy: 'on-failure', ending: TERM }, 'restart'],
    ['on-failure, code 0', { policy: 'on-failure', ending: OK }, 'stay-down', 'exited with code 0 and restart policy is "on-failure"'],
    ['always, code 3', { policy: 'always' }, 'restart'],
    ['always, code 0', { policy: 'always', ending: OK }, 'restart'],
    ['always, signal', { policy: 'always', ending: TERM }, 'restart'],
    ['oneshot always, code 0: completed', { oneshot: true, ending: OK }, 'stay-down', 'completed'],
    ['oneshot on-failure, code 0: completed', { oneshot: true, policy: 'on-failure', ending: OK }, 'stay-down', 'completed'],
    ['oneshot always, code 3', { oneshot: true }, 'restart'],
    ['oneshot on-failure, signal', { oneshot: true, policy: 'on-failure', ending: TERM }, 'restart'],
    ['stopping, always', { stopping: true }, 'stay-down', 'stopping'],
    ['stopping, on-failure', { stopping: true, policy: 'on-failure' }, 'stay-down', 'stopping'],
    ['stopping beats max restarts', { stopping: true, maxRestarts: 0 }, 'stay-down', 'stopping'],
    ['no beats max restarts', { policy: 'no', maxRestarts: 0 }, 'stay-down'],
  ];
  for (const [name, over, kind, reason] of rows) {
    const d = decideRestart(input(over));
    assert.equal(d.kind, kind, name);
    if (reason !== undefined) assert.equal((d as { reason: string }).reason, reason, name);
  }
});

test('exponential delay, capped, reset by a long run', () => {
  const rows: Array<[string, Partial<RestartInput>, number]> = [
    ['first restart', { currentDelayMs: null }, 1000],
    ['second', { currentDelayMs: 1000 }, 2000],
    ['third', { currentDelayMs: 2000 }, 4000],
    ['near the cap', { currentDelayMs: 16_000 }, 30_000],
    ['at the cap', { currentDelayMs: 30_000 }, 30_000],
    ['factor 1.5 rounds', { currentDelayMs: 1001, backoff: { initialMs: 1000, maxMs: 30_000, factor: 1.5, resetAfterMs: 60_000 } }, 1502],
    ['run just short of reset', { currentDelayMs: 8000, runMs: 59_999 }, 16_000],
    ['run of exactly resetAfterMs resets', { currentDelayMs: 8000, runMs: 60_000 }, 1000],
    ['long run resets', { currentDelayMs: 30_000, runMs: 3_600_000 }, 1000],
    ['initial above the cap is capped', { backoff: { initialMs: 5000, maxMs: 2000, factor: 2, resetAfterMs: 60_000 } }, 2000],
  ];
  for (const [name, over, delayMs] of rows) {
    const d = decideRestart(input(over));
    assert.equal(d.kind, 'restart', name);
    assert.equal((d as { delayMs: number }).delayMs, delayMs, name);
  }
});

test('a sliding window of restarts, then give up', () => {
  const w = 60_000;
  const rows: Array<[string, number | null, number[], RestartDecision]> = [
    ['unlimited', null, [NOW - 3, NOW - 2, NOW - 1],
      { kind: 'restart', delayMs: 1000, history: [NOW - 3, NOW - 2, NOW - 1, NOW] }],
    ['under the limit', 3, [NOW - 2000, NOW - 1000],
      { kind: 'restart', delayMs: 1000, history: [NOW - 2000, NOW - 1000, NOW] }],
    ['limit reached', 3, [NOW - 3000, NOW - 2000, NOW - 1000],
      { kind: 'give-up', reason: 'restarted 3 times in 60s' }],
    ['old entries are dropped', 3, [NOW - w - 1, NOW - w - 500, NOW - 1000],
      { kind: 'restart', delayMs: 1000, history: [NOW - 1000, NOW] }],
    ['an entry exactly at the window edge still counts', 2, [NOW - w, NOW - 1],
      { kind: 'give-up', reason: 'restarted 2 times in 60s' }],
    ['max restarts 0', 0, [],
      { kind: 'give-up', reason: 'restarts are disabled (max restarts is 0)' }],
  ];
  for (const [name, maxRestarts, history, want] of rows) {
    assert.deepEqual(decideRestart(input({ maxRestarts, history, restartWindowMs: w })), want, name);
  }
  assert.deepEqual(
    decideRestart(input({ maxRestarts: 5, restartWindowMs: 90_500, history: [1, 2, 3, 4, 5].map((n) => NOW - n) })),
    { kind: 'give-up', reason: 'restarted 5 times in 90500ms' },
  );
});

test('a crash loop: delays double, then it gives up', () => {
  let history: number[] = [];
  let currentDelayMs: number | null = null;
  let nowMs = NOW;
  const delays: number[] = [];
  for (;;) {
    const d = decideRestart(input({ maxRestarts: 5, history, currentDelayMs, nowMs, runMs: 50 }));
    if (d.kind !== 'restart') {
      assert.deepEqual(d, { kind: 'give-up', reason: 'restarted 5 times in 60s' });
      break;
    }
    delays.push(d.delayMs);
    history = d.history;
    currentDelayMs = d.delayMs;
    nowMs += d.delayMs + 50;
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000]);
  assert.equal(history.length, 5);
});

test('the input history is not modified', () => {
  const history = [NOW - 70_000, NOW - 1];
  decideRestart(input({ history }));
  assert.deepEqual(history, [NOW - 70_000, NOW - 1]);
});
