// Bugs the stress suite found that are fixed now: each test is the repro that
// failed before the fix (see test/stress/known-failures.md, "Fixed").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../../src/cli/args';
import { makeTempDir, namespaceSkipReason, NODE, PIDONE, sleep, startPidone } from '../e2e/harness';
import { CLOSE_EXTRA_FDS, looksLikeCrash, record, stressFixture } from './lib';

const skip = namespaceSkipReason();

function config(yaml: string): string {
  const file = join(makeTempDir(), 'pidone.yaml');
  writeFileSync(file, yaml);
  return file;
}

function fixed(what: string): void {
  record('regression', 'fixed', what);
}

describe('regressions (found by this suite, fixed)', { skip }, () => {
  test('KF-1: stdout a pipe nobody ever reads: pidone up still stops at SIGTERM, with the main service\'s status', async () => {
    const dir = makeTempDir();
    const fifo = join(dir, 'out.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const file = config(`stop_grace: 2s\nservices:\n  talk:\n    command: [${JSON.stringify(stressFixture('logger'))}, "t", "100000", "0", "hold"]\n    main: true\n`);
    const run = startPidone(['up', '-f', file], { wrapper: ['sh', '-c', 'exec "$@" 1<>"$0"', fifo], timeoutMs: 15_000 });
    await sleep(2000);
    const t0 = performance.now();
    run.kill('SIGTERM');
    const r = await run.done;
    const ms = performance.now() - t0;
    assert.equal(r.signal, null, `pidone had to be killed after ${Math.round(r.ms)} ms`);
    assert.equal(r.code, 143, r.stderr);
    assert.ok(ms < 2000 + 3000, `stopped after ${Math.round(ms)} ms (stop_grace 2 s)`);
    assert.equal(looksLikeCrash(r.stderr), null, r.stderr);
    fixed('pidone up hung at exit when nobody read its stdout');
  });

  test('KF-2: fds pidone was started with do not reach services (supervisor mode)', async () => {
    const dir = makeTempDir();
    const list = join(dir, 'fds');
    const file = config(`services:\n  s:\n    command: [${JSON.stringify(stressFixture('fdlist'))}, ${JSON.stringify(list)}]\n    main: true\n`);
    const closeAll = CLOSE_EXTRA_FDS[2]!.replace('exec "$@"', '');
    const r = spawnSync('bash', ['-c', `${closeAll} exec 7</etc/hostname 300</etc/hostname 1000</etc/hostname; exec unshare --pid --fork --mount-proc ${NODE} ${PIDONE} up -f ${file}`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(list, 'utf8').trim(), '0 1 2');
    fixed('fds pidone inherited reached every service');
  });

  test('KF-3: a numeric user or group past 2^32-2 never becomes root', async () => {
    for (const [user, group] of [['4294967296', null], ['65534', '4294967296'], ['99999999999999999999', null]] as const) {
      const file = config(`services:\n  a:\n    command: ["sh", "-c", "echo ids=$(id -u):$(id -g)"]\n    user: "${user}"\n${group ? `    group: "${group}"\n` : ''}    main: true\n`);
      const r = await startPidone(['up', '-f', file]).done;
      assert.doesNotMatch(r.stdout, /ids=/, `user ${user} group ${group}: the service ran: ${r.stdout}`);
      assert.match(r.stdout, /out of range/, `user ${user} group ${group}`);
      assert.notEqual(r.code, 0);
    }
    const e = spawnSync(NODE, [PIDONE, 'exec-as', '4294967296:4294967296:', '--keep-fds=0,1,2', '--', 'id', '-u'], { encoding: 'utf8' });
    assert.equal(e.status, 1, e.stdout);
    assert.equal(e.stdout, '');
    assert.equal(parseArgs(['exec-as', '4294967296:0:', '--keep-fds=0,1,2', '--', 'true'], {}).kind, 'usage-error');
    fixed('a numeric user or group past 2^32-2 ran the service as root');
  });

  test('KF-6: without main, a service that could not start makes the exit status non-zero', async () => {
    const file = config('services:\n  a:\n    command: ["/nonexistent/program"]\n  b:\n    command: ["sh", "-c", "sleep 0.3"]\n');
    const r = await startPidone(['up', '-f', file]).done;
    assert.match(r.stdout, /a: cannot start/);
    assert.equal(r.code, 127);
    fixed('a service that could not start left exit status 0');
  });

  test('KF-7: --socket naming an existing regular file leaves the file alone', () => {
    const dir = makeTempDir();
    const precious = join(dir, 'precious.txt');
    writeFileSync(precious, 'keep me\n');
    const r = spawnSync(NODE, [PIDONE, '--socket', precious, '--', 'true'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(precious), 'the file at the socket path was deleted');
    assert.equal(readFileSync(precious, 'utf8'), 'keep me\n');
    const file = config('services:\n  a:\n    command: ["true"]\n');
    const u = spawnSync(NODE, [PIDONE, 'up', '--socket', precious, '-f', file], { encoding: 'utf8' });
    assert.equal(u.status, 0, u.stderr);
    assert.equal(readFileSync(precious, 'utf8'), 'keep me\n', 'pidone up deleted it');
    fixed('--socket naming a regular file deleted it');
  });
});
