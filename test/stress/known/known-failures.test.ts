// Repros of bugs the stress suite found that are not fixed yet (see
// test/stress/known-failures.md). Each test states the behaviour pidone
// should have, so each FAILS until its bug is fixed; then move it into the
// suite. Not part of `npm run test:stress`; run them with
//   npm run build && node scripts/run-stress.js --known-failures
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, namespaceSkipReason, NODE, PIDONE, sleep, startPidone } from '../../e2e/harness';
import { CLOSE_EXTRA_FDS, stressFixture } from '../lib';

const skip = namespaceSkipReason();

function config(yaml: string): string {
  const file = join(makeTempDir(), 'pidone.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('known failures (each should fail until fixed)', { skip }, () => {
  test('KF-1b: when stdout is not read, the "exiting without the last bytes of logs" notice goes to that same unread stdout', async () => {
    const dir = makeTempDir();
    const fifo = join(dir, 'out.fifo');
    spawnSync('mkfifo', [fifo]);
    const file = config(`stop_grace: 1s\nservices:\n  talk:\n    command: [${JSON.stringify(stressFixture('logger'))}, "t", "100000", "0", "hold"]\n    main: true\n`);
    const run = startPidone(['up', '-f', file], { wrapper: ['sh', '-c', 'exec "$@" 1<>"$0"', fifo], timeoutMs: 15_000 });
    await sleep(2000);
    run.kill('SIGTERM');
    const r = await run.done;
    assert.match(r.stderr, /stdout is not being read/, 'the reason lines were dropped should reach stderr');
  });

  test('KF-3: a numeric user past the uid range is caught at run time, not by pidone validate (exit 2)', () => {
    const file = config('services:\n  a:\n    command: ["id", "-u"]\n    user: "4294967296"\n    main: true\n');
    const v = spawnSync(NODE, [PIDONE, 'validate', '-f', file], { encoding: 'utf8' });
    assert.equal(v.status, 2, `validate says: ${v.stdout}${v.stderr}`);
  });

  test('KF-4: a newline in user input makes the one-line error message two lines', () => {
    const cases: Array<[string[], string]> = [
      [['--grace', '5\nsoon', 'true'], 'a bad --grace value'],
      [['--x\ny', 'true'], 'an unknown option'],
    ];
    for (const [args, what] of cases) {
      const r = spawnSync(NODE, [PIDONE, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.equal(r.stderr.split('\n').length, 2, `${what}: ${JSON.stringify(r.stderr)}`);
    }
    const file = config('services:\n  "a\\nb": {command: x}\n');
    const v = spawnSync(NODE, [PIDONE, 'validate', '-f', file], { encoding: 'utf8' });
    assert.equal(v.status, 2);
    assert.equal(v.stderr.split('\n').length, 2, `a service name with a newline: ${JSON.stringify(v.stderr)}`);
  });

  test('KF-5: RLIMIT_NOFILE walked down one by one: at one limit EMFILE on /dev/null crashes pidone up (exit 70)', async () => {
    const services = Array.from({ length: 12 }, (_, i) => `  s${i}:\n    command: [${JSON.stringify(stressFixture('logger'))}, "s${i}", "1", "0"]`).join('\n');
    const file = config(`services:\n${services}\n`);
    const crashes: string[] = [];
    for (let limit = 40; limit >= 16; limit--) {
      const bare = spawnSync('prlimit', [`--nofile=${limit}:${limit}`, NODE, PIDONE, '--version']);
      if (bare.status !== 0) break; // Node's own floor
      const r = await startPidone(['up', '-f', file], { wrapper: [...CLOSE_EXTRA_FDS, 'prlimit', `--nofile=${limit}:${limit}`, '--'], timeoutMs: 20_000 }).done;
      if (r.code === 70 || /internal error/.test(r.stderr)) crashes.push(`${limit}: ${r.stderr.trim()}`);
    }
    assert.deepEqual(crashes, []);
  });

  test('KF-8: an inherited fd above RLIMIT_NOFILE makes single-command mode fail (internal error, 70) instead of running the child', () => {
    const closeAll = CLOSE_EXTRA_FDS[2]!.replace('exec "$@"', '');
    const r = spawnSync('bash', ['-c', `${closeAll} exec 300</etc/hostname; exec prlimit --nofile=64:64 unshare --pid --fork --mount-proc ${NODE} ${PIDONE} -- sh -c 'exit 3'`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 3, r.stderr);
  });

  test('KF-9 (documented limitation on Node 20): a SIGUSR1 during Node\'s start-up opens the inspector port for a moment', async () => {
    const { fixture } = await import('../../e2e/harness');
    let opened = 0;
    for (let round = 0; round < 3; round++) {
      const run = startPidone(['--', fixture('sigrecord'), '15'], { timeoutMs: 20_000 });
      const t0 = performance.now();
      let pid = 0;
      while (performance.now() - t0 < 300) {
        try { pid ||= run.pidonePid(); process.kill(pid, 'SIGUSR1'); } catch { /* not yet */ }
        await sleep(3);
      }
      await sleep(1000);
      try { run.kill('SIGTERM'); } catch { /* a forwarded SIGUSR1 may have ended the child, and pidone with it */ }
      const r = await run.done;
      if (/Debugger listening/.test(r.stderr)) opened += 1;
    }
    assert.equal(opened, 0, `the inspector opened in ${opened} of 3 starts`);
  });
});
