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

  test('KF-3: a numeric user or group past 2^32-2 never becomes root, and validate refuses it', async () => {
    for (const [user, group] of [['4294967296', null], ['65534', '4294967296'], ['99999999999999999999', null]] as const) {
      const file = config(`services:\n  a:\n    command: ["sh", "-c", "echo ids=$(id -u):$(id -g)"]\n    user: "${user}"\n${group ? `    group: "${group}"\n` : ''}    main: true\n`);
      const r = await startPidone(['up', '-f', file]).done;
      assert.doesNotMatch(r.stdout, /ids=/, `user ${user} group ${group}: the service ran: ${r.stdout}`);
      assert.match(r.stderr, /is out of range; expected an id from 0 to 4294967294/, `user ${user} group ${group}`);
      assert.equal(r.code, 2, 'a config error');
      const v = spawnSync(NODE, [PIDONE, 'validate', '-f', file], { encoding: 'utf8' });
      assert.equal(v.status, 2, `validate says: ${v.stdout}${v.stderr}`);
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
  test('KF-1b: when stdout is not read, the "exiting without the last bytes of logs" notice reaches stderr', async () => {
    const dir = makeTempDir();
    const fifo = join(dir, 'out.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const file = config(`stop_grace: 1s\nservices:\n  talk:\n    command: [${JSON.stringify(stressFixture('logger'))}, "t", "100000", "0", "hold"]\n    main: true\n`);
    const run = startPidone(['up', '-f', file], { wrapper: ['sh', '-c', 'exec "$@" 1<>"$0"', fifo], timeoutMs: 15_000 });
    await sleep(2000);
    run.kill('SIGTERM');
    const r = await run.done;
    assert.match(r.stderr, /^pidone: stdout is not being read; exiting with code \d+ without the last \d+ bytes of logs$/m);
    fixed('the "stdout is not being read" notice went to the unread stdout');
  });

  test('KF-4: a newline or escape in user input stays inside the one-line error', () => {
    const cases: Array<[string[], string]> = [
      [['--grace', '5\nsoon', 'true'], 'a bad --grace value'],
      [['--x\ny', 'true'], 'an unknown option'],
      [['--grace', '\x1b[2J', 'true'], 'an escape sequence'],
    ];
    for (const [args, what] of cases) {
      const r = spawnSync(NODE, [PIDONE, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 1, `${what}: ${r.stderr}`);
      assert.equal(r.stderr.split('\n').length, 2, `${what}: ${JSON.stringify(r.stderr)}`);
      assert.doesNotMatch(r.stderr, /\x1b/, what);
    }
    const file = config('services:\n  "a\\nb": {command: x}\n');
    const v = spawnSync(NODE, [PIDONE, 'validate', '-f', file], { encoding: 'utf8' });
    assert.equal(v.status, 2);
    assert.equal(v.stderr.split('\n').length, 2, `a service name with a newline: ${JSON.stringify(v.stderr)}`);
    const missing = spawnSync(NODE, [PIDONE, 'validate', '-f', '/no\nsuch/file'], { encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr.split('\n').length, 2, `a path with a newline: ${JSON.stringify(missing.stderr)}`);
    fixed('a newline in user input split the one-line error');
  });

  test('KF-5: RLIMIT_NOFILE walked down one by one: pidone up never crashes; a service it cannot start is named with EMFILE and exit 70', async () => {
    const services = Array.from({ length: 12 }, (_, i) => `  s${i}:\n    command: [${JSON.stringify(stressFixture('logger'))}, "s${i}", "1", "0"]`).join('\n');
    const file = config(`services:\n${services}\n`);
    const bad: string[] = [];
    let tried = 0;
    for (let limit = 40; limit >= 16; limit--) {
      const bare = spawnSync('prlimit', [`--nofile=${limit}:${limit}`, NODE, PIDONE, '--version']);
      if (bare.status !== 0) break; // Node's own floor
      tried += 1;
      const r = await startPidone(['up', '-f', file], { wrapper: [...CLOSE_EXTRA_FDS, 'prlimit', `--nofile=${limit}:${limit}`, '--'], timeoutMs: 20_000 }).done;
      const all = `${r.stdout}\n${r.stderr}`;
      if (/internal error/.test(all) || looksLikeCrash(r.stderr)) bad.push(`${limit}: crashed: ${r.stderr.trim()}`);
      else if (r.code !== 0 && !(r.code === 70 && /cannot (create log pipes|open \/dev\/null): EMFILE/.test(all))) bad.push(`${limit}: exit ${r.code} without an EMFILE reason`);
    }
    assert.ok(tried >= 5, `only ${tried} limits could start Node at all`);
    assert.deepEqual(bad, []);
    fixed('EMFILE opening /dev/null crashed pidone up');
  });

  test('KF-8: an inherited fd above RLIMIT_NOFILE is passed on, and the child runs', () => {
    const closeAll = CLOSE_EXTRA_FDS[2]!.replace('exec "$@"', '');
    const r = spawnSync('bash', ['-c', `${closeAll} exec 300</etc/hostname; exec prlimit --nofile=64:64 unshare --pid --fork --mount-proc ${NODE} ${PIDONE} -- sh -c 'test -r /proc/self/fd/300 || exit 9; exit 3'`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 3, r.stderr);
    fixed('an inherited fd above RLIMIT_NOFILE made single-command mode exit 70');
  });
});
