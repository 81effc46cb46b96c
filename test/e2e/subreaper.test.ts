import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceSkipReason, runPidone } from './harness';

const skip = namespaceSkipReason();

describe('not PID 1', { skip }, () => {
  test('pidone becomes a child subreaper by itself and says so under -v', async () => {
    // The orphan's parent after its own parent exits must be pidone ($PPID of sh).
    const script = '(sleep 2 & echo $! > /tmp/pidone-orphan.$$); sleep 0.2; o=$(cat /tmp/pidone-orphan.$$); rm -f /tmp/pidone-orphan.$$; echo ppid=$(awk \'/^PPid/{print $2}\' /proc/$o/status) pidone=$PPID';
    const r = await runPidone(['-v', '--grace', '1s', '--', 'sh', '-c', script], { asSubreaper: true });
    assert.match(r.stderr, /not PID 1 \(pid \d+\): registered as child subreaper/);
    const m = /ppid=(\d+) pidone=(\d+)/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    assert.equal(m[1], m[2]);
    assert.equal(r.code, 0);
  });

  test('-s and TINI_SUBREAPER are accepted', async () => {
    const a = await runPidone(['-s', '--', 'true'], { asSubreaper: true });
    assert.equal(a.code, 0, a.stderr);
    const b = await runPidone(['--', 'true'], { asSubreaper: true, env: { TINI_SUBREAPER: '1' } });
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.stderr, '');
  });

  test('orphans are reaped as a subreaper', async () => {
    const script = '(sleep 0.05 &); (sleep 0.05 &); sleep 0.4; grep -l "^State:.Z" /proc/[0-9]*/status 2>/dev/null | wc -l';
    const r = await runPidone(['--', 'sh', '-c', script], { asSubreaper: true });
    assert.equal(r.stdout.trim(), '0');
  });
});
