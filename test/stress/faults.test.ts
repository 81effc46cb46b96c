// Faults: a service forks until pids.max; RLIMIT_NOFILE lowered until pidone
// hits EMFILE; stdout closed, broken, or a pipe nobody reads; a service that
// ignores every catchable signal; pidone's children SIGKILLed from outside;
// pidone itself stopped and continued; the config file removed while running.
// In each case pidone keeps running or fails with a clear message, leaves no
// zombie, and keeps the exit status.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, makeTempDir, namespaceSkipReason, NODE, PIDONE, readChildren, sleep, startPidone, type Running } from '../e2e/harness';
import { CLOSE_EXTRA_FDS, cli, hostPid, looksLikeCrash, readStat, record, stressFixture, waitFor, waitForLine, watchZombies, zombiesIn } from './lib';

const skip = namespaceSkipReason();
const LOOP = "trap 'exit 0' TERM; while :; do sleep 0.1; done";

function survived(what: string, zombiesLeft = 0, statusLost = 0): void {
  record('fault', 'survived', what);
  record('fault', 'zombies_left', zombiesLeft);
  record('fault', 'statuses_lost', statusLost);
}

function writeConfig(dir: string, yaml: string): string {
  const file = join(dir, 'pidone.yaml');
  writeFileSync(file, yaml);
  return file;
}

interface Service { name: string; state: string; pid: number | null; restarts: number; lastExit: string | null }

function status(socket: string): Service[] {
  const r = cli(socket, 'status', '--json');
  assert.notEqual(r.code, 3, `pidone does not answer on its control socket: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { services: Service[] }).services;
}

function svc(socket: string, name: string): Service {
  return status(socket).find((s) => s.name === name)!;
}

function stateOf(pid: number): string {
  return readStat(pid)?.state ?? '-';
}

// pidone's zombies right now (host view), and a check that pidone is alive.
function assertAliveNoZombies(run: Running): void {
  const pid = run.pidonePid();
  assert.notEqual(stateOf(pid), '-', 'pidone is gone');
  assert.notEqual(stateOf(pid), 'Z', 'pidone is a zombie');
}

describe('faults', { skip }, () => {
  test('a service forks until pids.max: pidone keeps running, says why others cannot start, recovers', async () => {
    const dir = makeTempDir();
    const socket = join(dir, 'ctl.sock');
    const file = writeConfig(dir, `
stop_grace: 4s
services:
  steady:
    command: ["sh", "-c", "echo steady-up; ${LOOP}"]
    restart: on-failure
    backoff: {initial: 200ms, max: 200ms}
  bomb:
    command: [${JSON.stringify(stressFixture('forker'))}, "100000", "hold"]
    depends_on: [steady]
`);
    const run = startPidone(['up', '-f', file], { cgroupPidsMax: 48, env: { PIDONE_SOCKET: socket }, timeoutMs: 60_000 });
    await waitForLine(run, /^bomb +\| forked \d+: EAGAIN$/m, 'the bomb to fill the cgroup', 15_000);
    await waitFor(() => cli(socket, 'status').code !== 3, 'the control socket');
    // With the cgroup full, a restart cannot fork: a clear message, and pidone goes on.
    assert.equal(cli(socket, 'restart', 'steady').code, 0);
    // Either pidone's own spawn fails (EAGAIN) or the shell starts and cannot fork: both are reported.
    await waitForLine(run, /^pidone +\| steady: (cannot start: .*EAGAIN|exited with code [1-9])/m, 'the failed restart to be reported', 10_000);
    assertAliveNoZombies(run);
    // Stop the bomb: its whole group goes, pids come back, steady can start again.
    assert.equal(cli(socket, 'stop', 'bomb').code, 0);
    await waitFor(() => svc(socket, 'bomb').state === 'stopped', 'the bomb to stop');
    // steady (restart: on-failure) keeps trying, and runs again once pids are free
    await waitForLine(run, /bomb: stopped[^]*\nsteady +\| steady-up\n/, 'steady to run again', 15_000);
    await waitFor(() => svc(socket, 'steady').state === 'running', 'steady to run again', 15_000);
    assert.deepEqual(zombiesIn(run.pidonePid()), []);
    run.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    assert.equal(looksLikeCrash(r.stderr), null, r.stderr);
    survived('a service forking to pids.max (supervisor)');
  });

  test('single command: the child forks until pids.max; its status survives and the tree is stopped', async () => {
    const run = startPidone(['--grace', '2s', '--', 'sh', '-c', `${stressFixture('forker')} 100000; exit 5`], { cgroupPidsMax: 40, timeoutMs: 30_000 });
    const r = await run.done;
    assert.match(r.stdout, /forked \d+: EAGAIN/);
    assert.equal(r.code, 5, r.stderr);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    survived('the child forking to pids.max (single command)');
  });

  // Limits at which the log pipes run out (EMFILE). Walking the limit down one
  // by one finds a crash at 21 here (known-failures.md, KF-5): that walk is in known/.
  test('RLIMIT_NOFILE lowered until pidone hits EMFILE: services that cannot get pipes are reported, pidone goes on', async () => {
    const dir = makeTempDir();
    const n = 12;
    const services = Array.from({ length: n }, (_, i) => `  s${i}:\n    command: [${JSON.stringify(stressFixture('logger'))}, "s${i}", "1", "0", "hold"]`).join('\n');
    const file = writeConfig(dir, `stop_grace: 3s\nservices:\n${services}\n`);
    const tried: string[] = [];
    let sawEmfile = false;
    for (const limit of [256, 64, 40, 32, 28, 24]) {
      // Below some limit Node itself cannot start (or load pidone.js): that is Node's floor, not pidone's.
      const bare = spawnSync('prlimit', [`--nofile=${limit}:${limit}`, NODE, PIDONE, '--version'], { encoding: 'utf8', timeout: 10_000 });
      if (bare.status !== 0) { tried.push(`${limit}: node itself cannot start`); break; }
      const socket = join(dir, `ctl-${limit}.sock`);
      const wrapper = [...CLOSE_EXTRA_FDS, 'prlimit', `--nofile=${limit}:${limit}`, '--'];
      const run = startPidone(['up', '-f', file], { wrapper, env: { PIDONE_SOCKET: socket }, timeoutMs: 30_000 });
      await waitFor(() => (run.stdoutSoFar().match(/^s\d+ +\| L |: cannot (start|create)/gm) ?? []).length >= n, `every service to start or fail (limit ${limit})`, 15_000)
        .catch(() => undefined);
      await sleep(300);
      const out = run.stdoutSoFar();
      const started = (out.match(/^s\d+ +\| L /gm) ?? []).length;
      const failed = (out.match(/^pidone +\| s\d+: cannot start: .*EMFILE/gm) ?? []).length;
      sawEmfile ||= failed > 0;
      cli(socket, 'status'); // a client at the fd limit must not take pidone down
      assertAliveNoZombies(run);
      run.kill('SIGTERM');
      const r = await run.done;
      tried.push(`${limit}: ${started} started, ${failed} EMFILE, exit ${r.code}`);
      assert.equal(r.signal, null, `limit ${limit}: ${r.stderr}`);
      assert.equal(looksLikeCrash(r.stderr), null, `limit ${limit}: ${r.stderr}`);
      assert.equal(started + failed, n, `limit ${limit}: every service either ran or was reported: ${out}`);
      assert.ok(r.code === 0 || r.code === 70, `limit ${limit}: exit ${r.code}`);
      // single-command mode at the same limit keeps the child's status
      const single = await startPidone(['--', 'sh', '-c', 'exit 3'], { wrapper, timeoutMs: 20_000 }).done;
      assert.equal(single.code, 3, `single-command mode at limit ${limit}: ${single.stderr}`);
    }
    console.log(`# RLIMIT_NOFILE: ${tried.join('; ')}`);
    assert.ok(sawEmfile, `no limit made pidone hit EMFILE: ${tried.join('; ')}`);
    survived(`RLIMIT_NOFILE lowered from 256 to 24 (EMFILE reported, pidone up)`);
  });

  test('stdout closed: pidone runs, drops its log output, keeps the exit status', async () => {
    const dir = makeTempDir();
    const file = writeConfig(dir, `
services:
  talk:
    command: ["sh", "-c", "for i in 1 2 3 4 5; do echo out $i; echo err $i >&2; sleep 0.05; done; exit 5"]
    main: true
  other:
    command: ["sh", "-c", "${LOOP}"]
`);
    const r = await startPidone(['up', '-f', file], { wrapper: ['sh', '-c', 'exec "$@" 1>&-', 'sh'], timeoutMs: 20_000 }).done;
    assert.equal(r.code, 5, r.stderr);
    assert.equal(looksLikeCrash(r.stderr), null, r.stderr);
    assert.match(r.stderr, /^talk +\| err 5$/m, 'stderr still carries the service\'s stderr');
    const single = await startPidone(['--', 'sh', '-c', 'echo x; exit 4'], { wrapper: ['sh', '-c', 'exec "$@" 1>&-', 'sh'] }).done;
    assert.equal(single.code, 4, single.stderr);
    survived('stdout closed');
  });

  test('stdout a broken pipe (EPIPE): pidone keeps the exit status', async () => {
    const dir = makeTempDir();
    const file = writeConfig(dir, `
services:
  talk:
    command: ["sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done; sleep 0.3; exit 6"]
    main: true
`);
    // The reader exits at once; pidone's writes then fail with EPIPE.
    const wrapper = ['bash', '-c', '"$@" | true; exit ${PIPESTATUS[0]}', 'bash'];
    const r = await startPidone(['up', '-f', file], { wrapper, timeoutMs: 20_000 }).done;
    assert.equal(r.code, 6, r.stderr);
    assert.equal(looksLikeCrash(r.stderr), null, r.stderr);
    const single = await startPidone(['--', 'sh', '-c', 'yes | head -c 100000; exit 4'], { wrapper }).done;
    assert.equal(single.code, 4, single.stderr);
    survived('stdout a broken pipe');
  });

  test('stdout a pipe nobody reads: services are held back, pidone answers; once read, every line arrives and the stop is clean', async () => {
    const dir = makeTempDir();
    const fifo = join(dir, 'out.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const socket = join(dir, 'ctl.sock');
    const count = 20_000;
    const file = writeConfig(dir, `
stop_grace: 4s
services:
  talk:
    command: [${JSON.stringify(stressFixture('logger'))}, "t", "${count}", "0", "hold"]
  idle:
    command: ["sh", "-c", "${LOOP}"]
`);
    // O_RDWR on the fifo: it never has no writer, and nothing reads it until we do.
    const run = startPidone(['up', '-f', file], { wrapper: ['sh', '-c', 'exec "$@" 1<>"$0"', fifo], env: { PIDONE_SOCKET: socket }, timeoutMs: 40_000 });
    await waitFor(() => cli(socket, 'status').code !== 3, 'the control socket', 15_000);
    await sleep(2000);
    const held = svc(socket, 'talk');
    assert.equal(held.state, 'running');
    assert.equal(cli(socket, 'check', '--live').code, 0, 'pidone answers while its stdout is full');
    assertAliveNoZombies(run);
    // Now read: everything comes out, in order, and the stop goes through.
    const chunks: Buffer[] = [];
    const reader = createReadStream(fifo);
    reader.on('data', (d) => chunks.push(d as Buffer));
    await waitFor(() => Buffer.concat(chunks).includes(`L t ${count - 1} `), 'the last line', 20_000);
    run.kill('SIGTERM');
    const r = await run.done;
    await waitFor(() => Buffer.concat(chunks).includes('exiting with code'), 'pidone\'s last line', 5000);
    reader.destroy();
    const lines = Buffer.concat(chunks).toString().split('\n').filter((l) => /^talk +\| L t /.test(l));
    assert.equal(lines.length, count);
    assert.equal(r.code, 0, r.stderr);
    survived('stdout a pipe nobody reads, then read');
  });

  test('a service that ignores every catchable signal is SIGKILLed at its deadline (both modes)', async () => {
    const ignoreall = stressFixture('ignoreall');
    // single command: the forwarded signals do nothing, the grace deadline does
    const run = startPidone(['--grace', '1s', '--', ignoreall, '3'], { timeoutMs: 20_000 });
    await run.waitForOutput('ready');
    for (const sig of ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGALRM', 'SIGCONT', 'SIGPIPE'] as const) run.kill(sig);
    await sleep(200);
    const t0 = performance.now();
    run.kill('SIGTERM');
    const r = await run.done;
    const ms = performance.now() - t0;
    assert.equal(r.code, 137, r.stderr);
    assert.ok(ms >= 900 && ms < 5000, `stopped after ${Math.round(ms)} ms`);

    // supervisor: stop_timeout, then stop_grace for a copy that left the group
    const dir = makeTempDir();
    const file = writeConfig(dir, `
stop_grace: 3s
services:
  stubborn:
    command: [${JSON.stringify(ignoreall)}, "2"]
    stop_timeout: 500ms
  escapee:
    command: ["sh", "-c", "setsid -f ${ignoreall} 1; exec ${ignoreall}"]
    stop_timeout: 500ms
`);
    const up = startPidone(['up', '-f', file], { timeoutMs: 30_000 });
    await waitForLine(up, /^escapee +\| ready\n(.*\n)*escapee +\| ready$/m, 'both escapee copies');
    await waitForLine(up, /^stubborn +\| ready$/m);
    const t1 = performance.now();
    up.kill('SIGTERM');
    const u = await up.done;
    const ums = performance.now() - t1;
    assert.equal(u.code, 137, u.stdout);
    assert.ok(ums < 3000 + 2000, `stopped after ${Math.round(ums)} ms`);
    assert.match(u.stdout, /stubborn: still running at its stop deadline/);
    survived('a service ignoring every catchable signal');
  });

  test('children SIGKILLed from outside: reported, restarted, statuses kept', async () => {
    const dir = makeTempDir();
    const socket = join(dir, 'ctl.sock');
    const file = writeConfig(dir, `
services:
  a:
    command: ["sh", "-c", "${LOOP}"]
    restart: on-failure
    backoff: {initial: 100ms, max: 100ms}
  b:
    command: ["sh", "-c", "${LOOP}"]
    restart: always
    backoff: {initial: 100ms, max: 100ms}
`);
    const run = startPidone(['up', '-f', file], { env: { PIDONE_SOCKET: socket }, timeoutMs: 60_000 });
    await waitFor(() => cli(socket, 'status').code === 0, 'both services');
    const zombies = watchZombies(run.pidonePid());
    const rounds = 5;
    for (let i = 0; i < rounds; i++) {
      for (const name of ['a', 'b']) {
        const before = svc(socket, name);
        const target = hostPid(run.pidonePid(), before.pid!); // status shows namespace pids
        process.kill(target, 'SIGKILL');
        await waitFor(() => { const s = svc(socket, name); return s.state === 'running' && s.pid !== before.pid; }, `${name} to come back`);
      }
    }
    const z = zombies.stop();
    // the harness reads pidone's stdout when the test's loop is free: wait for it
    await waitFor(() => (run.stdoutSoFar().match(/a: killed by SIGKILL/g) ?? []).length >= rounds, 'every kill to be reported');
    const out = run.stdoutSoFar();
    assert.equal((out.match(/a: killed by SIGKILL/g) ?? []).length, rounds, out);
    assert.equal(svc(socket, 'a').restarts, rounds, JSON.stringify(status(socket)));
    assert.equal(svc(socket, 'b').lastExit, 'SIGKILL');
    run.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(z.maxAgeMs < 1000, `a zombie lived ${z.maxAgeMs} ms`);

    // the main service killed from outside: the container's status is 137
    const mainFile = writeConfig(makeTempDir(), `services:\n  m:\n    command: ["sh", "-c", "echo m-up; ${LOOP}"]\n    main: true\n`);
    const m = startPidone(['up', '-f', mainFile]);
    await m.waitForOutput('m-up');
    process.kill(readChildren(m.pidonePid())[0]!, 'SIGKILL');
    assert.equal((await m.done).code, 137);

    // single command: the child killed from outside
    const single = startPidone(['--', 'sh', '-c', 'echo up; exec sleep 30']);
    await single.waitForOutput('up');
    process.kill(readChildren(single.pidonePid())[0]!, 'SIGKILL');
    assert.equal((await single.done).code, 137);
    survived('children SIGKILLed from outside', 0, 0);
  });

  test('pidone stopped (SIGSTOP) and continued: exits and orphans during the stop are collected, statuses kept', async () => {
    // single command: the child and two orphans end while pidone is stopped
    const run = startPidone(['--', 'sh', '-c', `echo up; (sleep 0.3 &); (sleep 0.3 &); sleep 0.6; exit 7`], { timeoutMs: 20_000 });
    await run.waitForOutput('up');
    const pid = run.pidonePid();
    process.kill(pid, 'SIGSTOP');
    await sleep(1500);
    const during = zombiesIn(pid).filter((z) => z.ppid === pid).length;
    assert.ok(during >= 1, 'zombies pile up while pidone is stopped (the test can fail)');
    process.kill(pid, 'SIGCONT');
    const r = await run.done;
    assert.equal(r.code, 7, r.stderr);

    // a stop signal that arrives while pidone is stopped is acted on when it continues
    const sig = startPidone(['--', fixture('sigrecord'), '15'], { timeoutMs: 20_000 });
    await sig.waitForOutput('ready');
    const spid = sig.pidonePid();
    process.kill(spid, 'SIGSTOP');
    process.kill(spid, 'SIGTERM');
    await sleep(500);
    process.kill(spid, 'SIGCONT');
    const s = await sig.done;
    assert.equal(s.code, 0, s.stdout + s.stderr); // sigrecord exits 0 on SIGTERM

    // supervisor: services churn and log through a 2 s stop
    const dir = makeTempDir();
    const socket = join(dir, 'ctl.sock');
    const file = writeConfig(dir, `
services:
  churn:
    command: ["sh", "-c", "echo tick; exit 1"]
    restart: always
    backoff: {initial: 50ms, max: 50ms, factor: 1}
  talk:
    command: [${JSON.stringify(stressFixture('logger'))}, "t", "20000", "0", "hold", "3000"]
`);
    const up = startPidone(['up', '-f', file], { env: { PIDONE_SOCKET: socket }, timeoutMs: 40_000 });
    await waitForLine(up, /^churn +\| tick$/m);
    const upid = up.pidonePid();
    process.kill(upid, 'SIGSTOP');
    await sleep(2000);
    process.kill(upid, 'SIGCONT');
    const after = watchZombies(upid, 50);
    await waitFor(() => up.stdoutSoFar().includes('L t 19999 '), 'every line', 20_000);
    const restarts = svc(socket, 'churn').restarts;
    await sleep(500);
    assert.ok(svc(socket, 'churn').restarts > restarts, 'restarts go on after SIGCONT');
    const z = after.stop();
    assert.ok(z.maxAgeMs < 1000, `after SIGCONT a zombie lived ${z.maxAgeMs} ms`);
    up.kill('SIGTERM');
    const u = await up.done;
    assert.equal(u.code, 0, u.stderr);
    const lines = u.stdout.split('\n').filter((l) => /^talk +\| L t /.test(l));
    assert.equal(lines.length, 20_000, 'no line lost across SIGSTOP/SIGCONT');
    survived('pidone SIGSTOPped and SIGCONTinued');
  });

  test('the config file (and an env_file, and a cwd) disappear while running', async () => {
    const dir = makeTempDir();
    const socket = join(dir, 'ctl.sock');
    const sub = join(dir, 'conf');
    const work = join(dir, 'work');
    mkdirSync(sub);
    mkdirSync(work);
    writeFileSync(join(sub, 'app.env'), 'GREETING=hello\n');
    const file = join(sub, 'pidone.yaml');
    writeFileSync(file, `
services:
  web:
    command: ["sh", "-c", "echo web-up $GREETING; trap 'echo reloaded' HUP; ${LOOP}"]
    env_file: app.env
    reload_signal: SIGHUP
    restart: on-failure
    backoff: {initial: 100ms, max: 200ms}
  worker:
    command: ["sh", "-c", "echo worker-up; ${LOOP}"]
    cwd: ${work}
`);
    const run = startPidone(['up', '-f', file], { env: { PIDONE_SOCKET: socket }, timeoutMs: 40_000 });
    await waitForLine(run, /^web +\| web-up hello$/m);
    await waitForLine(run, /^worker +\| worker-up$/m);
    rmSync(sub, { recursive: true });
    // running on: reload, status and a restart of a service that needs nothing from disk
    run.kill('SIGHUP');
    await waitForLine(run, /^web +\| reloaded$/m);
    assert.equal(cli(socket, 'status').code, 0);
    // a restart that needs the env_file or the cwd fails with a clear message, and pidone goes on
    rmSync(work, { recursive: true });
    assert.equal(cli(socket, 'restart', 'web').code, 0);
    await waitForLine(run, /web: cannot start: cannot read env_file/, 'the env_file message');
    assert.equal(cli(socket, 'restart', 'worker').code, 0);
    await waitForLine(run, /worker: cannot start: .*(ENOENT|not found)/, 'the cwd message');
    assertAliveNoZombies(run);
    assert.notEqual(cli(socket, 'status').code, 3, 'still answering');
    run.kill('SIGTERM');
    const r = await run.done;
    assert.equal(looksLikeCrash(r.stderr), null, r.stderr);
    assert.equal(r.signal, null);
    assert.ok(r.code !== null && r.code < 128, `exit ${r.code}`);
    survived('config file, env_file and cwd removed while running');
  });
});
