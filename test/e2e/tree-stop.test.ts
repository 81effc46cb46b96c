import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, namespaceSkipReason, NODE, PIDONE, runPidone, sleep, startPidone } from './harness';

const skip = namespaceSkipReason();
const PTY = ['python3', join(__dirname, '..', '..', '..', 'test', 'fixtures', 'pty-run.py')];

// An orphan that writes a marker file when SIGTERM arrives, then exits.
function orphanScript(dir: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += `(sh -c 'trap "echo \\$\\$ > ${dir}/marker-${i}; exit 0" TERM; while :; do sleep 0.05; done' &); `;
  }
  return s;
}

function markers(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('marker-')).sort();
}

for (const asSubreaper of [false, true]) {
  const where = asSubreaper ? 'as a subreaper' : 'as PID 1';

  describe(`tree stop ${where}`, { skip }, () => {
    test('a child that ignores SIGTERM is killed at the grace deadline (137)', async () => {
      const run = startPidone(['--grace', '1s', '--', 'sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done'], { asSubreaper });
      await run.waitForOutput('ready');
      const t0 = Date.now();
      run.kill('SIGTERM');
      const r = await run.done;
      const ms = Date.now() - t0;
      assert.equal(r.code, 137, r.stderr);
      assert.ok(ms >= 900 && ms < 4000, `stopped after ${ms} ms, grace 1s`);
    });

    test('an orphan that traps SIGTERM gets to write its marker; exit status is the main child\'s', async () => {
      const dir = makeTempDir();
      const r = await runPidone(['--grace', '3s', '--', 'sh', '-c', `${orphanScript(dir, 1)} sleep 0.3; exit 5`], { asSubreaper });
      assert.equal(r.code, 5, r.stderr);
      assert.deepEqual(markers(dir), ['marker-0']);
    });

    test('a main child that exits while three orphans run: pidone stops them all and exits with its code', async () => {
      const dir = makeTempDir();
      const script = `${orphanScript(dir, 3)} sleep 0.3; exit 7`;
      const r = await runPidone(['-v', '--grace', '3s', '--', 'sh', '-c', script], { asSubreaper });
      assert.equal(r.code, 7);
      assert.deepEqual(markers(dir), ['marker-0', 'marker-1', 'marker-2']);
      // -v reports each process it signalled, with its command line, and what ended it
      assert.equal((r.stderr.match(/^pidone: sent SIGTERM to pid \d+ \(sh -c trap .*\)$/gm) ?? []).length, 3, r.stderr);
      assert.ok((r.stderr.match(/^pidone: pid \d+ \(sh -c trap .*\) exited with code 0$/gm) ?? []).length >= 1, r.stderr);
      assert.ok(r.ms < 3000, `took ${r.ms} ms`);
    });

    test('orphans that ignore SIGTERM are SIGKILLed when the grace period runs out', async () => {
      const script = `(sh -c 'trap "" TERM; while :; do sleep 0.05; done' &); sleep 0.2; exit 0`;
      const t0 = Date.now();
      const r = await runPidone(['-v', '--grace', '1s', '--', 'sh', '-c', script], { asSubreaper });
      const ms = Date.now() - t0;
      assert.equal(r.code, 0);
      assert.match(r.stderr, /sent SIGKILL to pid \d+ \(sh -c trap/);
      assert.match(r.stderr, /pid \d+ \(sh -c trap .*\) ended by SIGKILL/);
      assert.ok(ms >= 1000 && ms < 5000, `took ${ms} ms`);
    });

    test('grace 0: a stop signal kills at once', async () => {
      const run = startPidone(['--grace', '0', '--', 'sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done'], { asSubreaper });
      await run.waitForOutput('ready');
      const t0 = Date.now();
      run.kill('SIGTERM');
      const r = await run.done;
      assert.equal(r.code, 137);
      assert.ok(Date.now() - t0 < 1500);
    });

    test('--no-tree-stop exits as soon as the child exits, leaving orphans alone', async () => {
      const dir = makeTempDir();
      const t0 = Date.now();
      // the namespace's bash PID 1 (subreaper case) would wait: run the orphans for 1.5 s only
      const script = `(sh -c 'trap "echo x > ${dir}/marker-0; exit 0" TERM; sleep 1.5' &); sleep 0.2; exit 3`;
      const r = await runPidone(['--no-tree-stop', '--', 'sh', '-c', script], { asSubreaper });
      assert.equal(r.code, 3);
      assert.deepEqual(markers(dir), []);
      if (!asSubreaper) assert.ok(Date.now() - t0 < 1400, 'exited at once');
      const env = await runPidone(['--', 'sh', '-c', script], { asSubreaper, env: { PIDONE_TREE_STOP: '0' } });
      assert.deepEqual(markers(dir), []);
      assert.equal(env.code, 3);
    });

    test('a second SIGINT skips the wait (with a TTY on stdin)', async () => {
      const run = startPidone(['--grace', '30s', '--', 'sh', '-c', 'trap "" INT TERM; echo ready; while :; do sleep 0.05; done'], {
        asSubreaper, wrapper: PTY, stdin: 'wait ready\n', timeoutMs: 15_000,
      });
      await run.waitForOutput('ready');
      await sleep(200);
      const t0 = Date.now();
      run.kill('SIGINT');
      await sleep(300);
      run.kill('SIGINT');
      const r = await run.done;
      assert.equal(r.code, 137, r.stdout + r.stderr);
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    });
  });
}

describe('tree stop boundaries', { skip }, () => {
  test('as a subreaper, a process outside pidone\'s subtree is not touched', async () => {
    const dir = makeTempDir();
    // bash (PID 1) starts a bystander in the background, then runs pidone.
    const bystander = `sh -c 'trap "echo x > ${dir}/marker-bystander; exit 0" TERM; sleep 3' &`;
    const inner = `sh -c 'trap "echo x > ${dir}/marker-inner; exit 0" TERM; while :; do sleep 0.05; done' &`;
    const script = `${bystander} sleep 0.1; ${NODE} ${PIDONE} --grace 2s -- sh -c '${inner.replace(/'/g, `'\\''`)} sleep 0.3; exit 4'; echo "rc=$?"; kill -0 %1 && echo bystander-alive; kill %1; wait`;
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'bash', '-c', script], { encoding: 'utf8', timeout: 15_000 });
    assert.match(r.stdout, /rc=4\n/, r.stderr);
    assert.match(r.stdout, /bystander-alive/);
    assert.deepEqual(markers(dir).filter((m) => m !== 'marker-bystander'), ['marker-inner']);
  });

  test('as PID 1, processes in other sessions and groups are stopped too', async () => {
    const dir = makeTempDir();
    const script = `setsid sh -c 'trap "echo x > ${dir}/marker-0; exit 0" TERM; while :; do sleep 0.05; done' & sleep 0.3; exit 0`;
    const r = await runPidone(['--grace', '3s', '--', 'sh', '-c', script]);
    assert.equal(r.code, 0);
    assert.deepEqual(markers(dir), ['marker-0']);
  });
});
