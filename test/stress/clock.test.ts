// The clock jumps: every deadline (grace, stop_timeout, stop_grace, backoff,
// readiness and health intervals) must run on monotonic time. Changing the
// machine's clock would disturb everything else on it, so instead:
//  1. a static check: wall-clock reads in src/ only where the wall time itself
//     is wanted (log timestamps);
//  2. the wall clock of pidone alone jumps a day forwards and two back in the
//     middle of a grace period and of restart backoffs (libfaketime, with the
//     monotonic clocks left alone; skipped with a reason where it is missing);
//  3. a time namespace (unshare --time) offsets CLOCK_MONOTONIC and
//     CLOCK_BOOTTIME by ten years: the grace period is still the grace period.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { makeTempDir, namespaceSkipReason, NODE, PIDONE, readChildren, ROOT, sleep, startPidone } from '../e2e/harness';
import { record, stressFixture, waitForLine } from './lib';

const skip = namespaceSkipReason();

// Files allowed to read the wall clock, and why.
const WALL_CLOCK_ALLOWED: Readonly<Record<string, string>> = {
  'src/supervisor/log-router.ts': 'the time printed in a log line (--timestamps)',
};
const WALL_CLOCK = /\bDate\.now\s*\(|\bnew\s+Date\s*\(|\bDate\s*\(\s*\)|\bDate\.parse\s*\(|\.getTime\s*\(|\bDate\.UTC\s*\(/;

function listSources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return listSources(p);
    return n.endsWith('.ts') ? [p] : [];
  });
}

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1']
  .find((p) => existsSync(p));

function fakeTimeSkipReason(): string | false {
  if (LIBFAKETIME) return false;
  const reason = 'libfaketime is not installed (apt-get install libfaketime)';
  if (process.env.CI === 'true') throw new Error(`CI=true but the wall-clock test cannot run: ${reason}`);
  process.stderr.write(`skipping the wall-clock test: ${reason}\n`);
  return reason;
}

function timeNamespaceSkipReason(): string | false {
  if (skip) return skip;
  const r = spawnSync('unshare', ['--time', '--monotonic', '1000', '--boottime', '1000', '--fork', 'true']);
  return r.status === 0 ? false : 'unshare --time does not work here (needs Linux >= 5.6 and util-linux >= 2.36)';
}

describe('clock jumps', () => {
  test('static: only log timestamps read the wall clock; deadlines use monotonicMs() and timers', () => {
    const hits: string[] = [];
    for (const file of listSources(join(ROOT, 'src'))) {
      const rel = relative(ROOT, file);
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (WALL_CLOCK.test(code) && !WALL_CLOCK_ALLOWED[rel]) hits.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(hits, [], 'wall-clock time outside the allowed files: use monotonicMs() (src/init/clock.ts) for anything that measures or schedules');
    // and the allowed ones do use it only for the timestamp
    const router = readFileSync(join(ROOT, 'src/supervisor/log-router.ts'), 'utf8');
    assert.ok(router.split('\n').filter((l) => WALL_CLOCK.test(l)).every((l) => /\bformat\w*\(/.test(l)), 'log-router reads the clock only to stamp a line');
    record('fault', 'survived', 'static check: no wall-clock deadlines');
  });

  test('the wall clock jumps +1 day and -2 days during a grace period and restart backoffs (libfaketime)', { skip: skip || fakeTimeSkipReason() }, async () => {
    const dir = makeTempDir();
    const offset = join(dir, 'faketime');
    writeFileSync(offset, '+0\n');
    const wrapper = ['env', `LD_PRELOAD=${LIBFAKETIME}`, `FAKETIME_TIMESTAMP_FILE=${offset}`, 'FAKETIME_NO_CACHE=1', 'FAKETIME_DONT_FAKE_MONOTONIC=1'];
    const ignoreall = stressFixture('ignoreall');

    // single command: grace 2s, the clock jumps twice inside it
    const run = startPidone(['--grace', '2s', '--', ignoreall], { wrapper, timeoutMs: 30_000 });
    await waitForLine(run, /ready/);
    const t0 = performance.now();
    run.kill('SIGTERM');
    await sleep(500);
    writeFileSync(offset, '+1d\n');
    await sleep(500);
    writeFileSync(offset, '-2d\n');
    const r = await run.done;
    const ms = performance.now() - t0;
    assert.equal(r.code, 137, r.stderr);
    assert.ok(ms > 1800 && ms < 4500, `grace of 2 s took ${Math.round(ms)} ms with the clock jumping`);

    // supervisor: a 1 s backoff keeps its pace; stop_timeout holds; the timestamps show the jump (so the jump is real)
    writeFileSync(offset, '+0\n');
    const file = join(dir, 'pidone.yaml');
    writeFileSync(file, `
stop_grace: 4s
log_timestamps: true
services:
  flaky:
    command: ["sh", "-c", "echo run; exit 1"]
    restart: on-failure
    backoff: {initial: 1s, max: 1s}
  stubborn:
    command: [${JSON.stringify(ignoreall)}]
    stop_timeout: 1500ms
`);
    const up = startPidone(['up', '-f', file], { wrapper, timeoutMs: 30_000 });
    await waitForLine(up, /flaky +\| \S+ run/);
    const runsAt = (): number => (up.stdoutSoFar().match(/flaky +\| \S+ run$/gm) ?? []).length;
    const before = runsAt();
    writeFileSync(offset, '+1d\n');
    await sleep(2000);
    writeFileSync(offset, '-2d\n');
    await sleep(2000);
    const during = runsAt() - before;
    assert.ok(during >= 3 && during <= 5, `${during} restarts in 4 s of a 1 s backoff while the clock jumped`);
    const years = new Set((up.stdoutSoFar().match(/^\S+ +\| (\d{4}-\d\d-\d\d)T/gm) ?? []).map((l) => l.slice(-11, -1)));
    assert.ok(years.size >= 2, `the log timestamps should show the jumps: ${[...years].join(', ')}`);
    const t1 = performance.now();
    up.kill('SIGTERM');
    await sleep(300);
    writeFileSync(offset, '+3d\n');
    const u = await up.done;
    const ums = performance.now() - t1;
    assert.equal(u.code, 137, u.stdout.slice(-1500));
    assert.ok(ums > 1300 && ums < 4000, `stop_timeout 1.5 s took ${Math.round(ums)} ms with the clock jumping`);
    record('fault', 'survived', 'wall clock jumping +1 d / -2 d (grace, backoff, stop_timeout kept)');
  });

  test('a time namespace offsets the monotonic clocks by 10 years: the grace period is unchanged', { skip: timeNamespaceSkipReason() }, async () => {
    const tenYears = String(10 * 365 * 86400);
    const p = spawn('unshare', ['--time', '--monotonic', tenYears, '--boottime', tenYears, '--pid', '--fork', '--mount-proc', NODE, PIDONE, '--grace', '1s', '--', stressFixture('ignoreall')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const closed = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
    const limit = setTimeout(() => p.kill('SIGKILL'), 20_000);
    for (let i = 0; i < 200 && !out.includes('ready'); i++) await sleep(25);
    const pidone = readChildren(p.pid!)[0]!;
    const uptime = Number(spawnSync('nsenter', ['--target', String(pidone), '--time', '--pid', '--mount', 'cat', '/proc/uptime'], { encoding: 'utf8' }).stdout.split(' ')[0]);
    assert.ok(uptime > Number(tenYears), `the namespace's clock is not offset: uptime ${uptime}`);
    const t0 = performance.now();
    process.kill(pidone, 'SIGTERM');
    const code = await closed;
    clearTimeout(limit);
    const ms = performance.now() - t0;
    assert.equal(code, 137);
    assert.ok(ms > 900 && ms < 3500, `grace of 1 s took ${Math.round(ms)} ms`);
    record('fault', 'survived', 'CLOCK_MONOTONIC/BOOTTIME offset by 10 years (time namespace)');
  });
});
