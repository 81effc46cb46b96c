import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeExitCode, decodeWaitStatus } from '../../src/core/exit-status';

test('decodeWaitStatus decodes raw waitpid statuses', () => {
  const rows: Array<[number, ReturnType<typeof decodeWaitStatus>]> = [
    [0x0000, { kind: 'exited', code: 0 }],
    [0x0300, { kind: 'exited', code: 3 }],
    [0xff00, { kind: 'exited', code: 255 }],
    [0x000f, { kind: 'signaled', signum: 15, core: false }],
    [0x008b, { kind: 'signaled', signum: 11, core: true }],
    [0x137f, { kind: 'stopped', signum: 19 }],
    [0x147f, { kind: 'stopped', signum: 20 }],
    [0xffff, { kind: 'continued' }],
  ];
  for (const [raw, want] of rows) assert.deepEqual(decodeWaitStatus(raw), want, raw.toString(16));
});

test('computeExitCode: code, 128+N, and -e remaps', () => {
  const none = new Set<number>();
  const rows: Array<[Parameters<typeof computeExitCode>[0], Set<number>, number]> = [
    [{ kind: 'exited', code: 0 }, none, 0],
    [{ kind: 'exited', code: 7 }, none, 7],
    [{ kind: 'signaled', signum: 15, core: false }, none, 143],
    [{ kind: 'signaled', signum: 9, core: false }, none, 137],
    [{ kind: 'signaled', signum: 11, core: true }, none, 139],
    [{ kind: 'exited', code: 143 }, new Set([143]), 0],
    [{ kind: 'signaled', signum: 15, core: false }, new Set([143]), 0],
    [{ kind: 'exited', code: 3 }, new Set([143]), 3],
  ];
  for (const [ending, remap, want] of rows) assert.equal(computeExitCode(ending, remap), want, JSON.stringify(ending));
});
