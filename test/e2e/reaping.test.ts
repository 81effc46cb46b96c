import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, namespaceSkipReason, runPidone } from './harness';

const skip = namespaceSkipReason();

// Counts zombies in the namespace a moment after the storm, from inside it.
const COUNT_ZOMBIES = 'grep -l "^State:.Z" /proc/[0-9]*/status 2>/dev/null | wc -l';

describe('reaping', { skip }, () => {
  test('a burst of thousands of orphans leaves no zombie', async () => {
    const script = `${fixture('orphans')} 3000 500 || exit 9; sleep 0.3; echo zombies=$(${COUNT_ZOMBIES}); exit 4`;
    const r = await runPidone(['--', 'sh', '-c', script], { cgroupPidsMax: 600, timeoutMs: 60_000 });
    assert.match(r.stdout, /made 3000/);
    assert.match(r.stdout, /zombies=0\b/, r.stdout + r.stderr);
    assert.equal(r.code, 4, r.stderr); // the child's own status survives the storm
  });

  test('orphans are reaped while the child keeps running', async () => {
    const script = `(sleep 0.1 &); (sleep 0.1 &); (sleep 0.1 &); sleep 0.6; echo zombies=$(${COUNT_ZOMBIES})`;
    const r = await runPidone(['--', 'sh', '-c', script]);
    assert.match(r.stdout, /zombies=0\b/);
    assert.equal(r.code, 0);
  });

  test('without an init that reaps, the same workload leaves zombies (the test can fail)', async () => {
    // PID 1 execs sleep, which never waits: nothing reaps the orphans.
    const script = `(sleep 0.1 &); (sleep 0.1 &); (sleep 0.1 &); sleep 0.6; echo zombies=$(${COUNT_ZOMBIES})`;
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', 'sh -c "$0" & exec sleep 1', script], { encoding: 'utf8' });
    assert.match(r.stdout, /zombies=[1-9]/);
  });

  test('-w warns about each reaped zombie', async () => {
    const r = await runPidone(['-w', '--', 'sh', '-c', '(sleep 0.05 &); sleep 0.4']);
    assert.match(r.stderr, /^pidone: reaped zombie process \d+$/m);
    assert.equal(r.code, 0);
  });
});
