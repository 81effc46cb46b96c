import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, namespaceSkipReason, runPidone, sleep, startPidone } from './harness';

const skip = namespaceSkipReason();

function writeConfig(yaml: string): string {
  const dir = makeTempDir();
  const file = join(dir, 'pidone.yaml');
  writeFileSync(file, yaml);
  return file;
}

// Where a line appears in the output; "name | text" matches any name padding.
function eventIndex(out: string, text: string): number {
  const m = /^(\S+) +\| (.*)$/.exec(text);
  const i = m ? out.search(new RegExp(`^${escape(m[1]!)} +\\| ${escape(m[2]!)}`, 'm')) : out.indexOf(text);
  assert.ok(i >= 0, `"${text}" not in output:\n${out}`);
  return i;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const LOOP = "trap 'exit 0' TERM; while :; do sleep 0.05; done";

describe('supervisor', { skip }, () => {
  test('starts in dependency order: a one-shot must complete before its dependents', async () => {
    const file = writeConfig(`
services:
  migrate:
    command: "sleep 0.3; echo migrated"
    oneshot: true
  web:
    command: ["sh", "-c", "echo web-start; ${LOOP}"]
    depends_on: {migrate: {condition: completed_successfully}}
    main: true
`);
    const run = startPidone(['up', '-f', file]);
    await run.waitForOutput('web-start');
    run.kill('SIGTERM');
    const r = await run.done;
    assert.ok(eventIndex(r.stdout, 'migrate | migrated') < eventIndex(r.stdout, 'web    | web-start'), r.stdout);
    assert.ok(eventIndex(r.stdout, 'migrate: completed') < eventIndex(r.stdout, 'web: started'));
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test('a one-shot that fails stops the container with its code; dependents never start', async () => {
    const file = writeConfig(`
services:
  migrate: {command: "exit 4", oneshot: true}
  web:
    command: "echo web-start"
    depends_on: {migrate: {condition: completed_successfully}}
`);
    const r = await runPidone(['up', '-f', file]);
    assert.equal(r.code, 4, r.stdout);
    assert.doesNotMatch(r.stdout, /web-start/);
  });

  const probes: Array<[string, string, string]> = [
    ['tcp', 'tcp: 18231', `node -e "setTimeout(() => require('net').createServer().listen(18231, '127.0.0.1'), 300)"`],
    ['http', 'http: http://127.0.0.1:18232/health', `node -e "setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(18232, '127.0.0.1'), 300)"`],
    ['exec', 'exec: "test -f $$MARK"', 'sh -c "sleep 0.3; touch $MARK; exec sleep 60"'],
    ['file', 'file: $$MARK', 'sh -c "sleep 0.3; touch $MARK; exec sleep 60"'],
    ['ipc', 'ipc: true', `node -e "setTimeout(() => process.send('ready'), 300); setInterval(() => {}, 1000)"`],
    ['notify_fd', 'notify_fd: 5', 'sh -c "sleep 0.3; echo >&5; exec 5>&-; exec sleep 60"'],
    ['sd_notify', 'sd_notify: true', `python3 -c "import os, socket, time; time.sleep(0.3); s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'READY=1', os.environ['NOTIFY_SOCKET']); time.sleep(60)"`],
  ];
  for (const [kind, probe, command] of probes) {
    test(`readiness by ${kind}: dependents start only once it is ready`, async () => {
      const dir = makeTempDir();
      const mark = join(dir, 'mark');
      const file = writeConfig(`
services:
  svc:
    command: ${JSON.stringify(command.replace(/\$MARK/g, mark))}
    ready:
      ${probe.replace(/\$\$MARK/g, mark)}
      timeout: 10s
      interval: 50ms
  after:
    command: ["sh", "-c", "echo after-start; ${LOOP}"]
    depends_on: {svc: {condition: ready}}
`);
      const run = startPidone(['up', '-f', file], { timeoutMs: 20_000 });
      await run.waitForOutput('after-start', 15_000);
      run.kill('SIGTERM');
      const r = await run.done;
      assert.ok(eventIndex(r.stdout, 'svc: ready after') < eventIndex(r.stdout, 'after: started'), r.stdout);
      const ready = /svc: ready after (\d+)ms/.exec(r.stdout);
      assert.ok(ready && Number(ready[1]) >= 250, `ready too early: ${ready?.[0]}`);
    });
  }

  test('a probe that never succeeds times out and the service counts as failed', async () => {
    const file = writeConfig(`
services:
  svc:
    command: "sleep 60"
    ready: {file: /nonexistent/never, timeout: 500ms}
    on_give_up: stop-container
    max_restarts: 0
    restart: on-failure
`);
    const r = await runPidone(['up', '-f', file]);
    assert.match(r.stdout, /svc: .*ready/i);
    assert.notEqual(r.code, 0);
  });

  test('restart with exponential backoff, then give up and stop the container with that code', async () => {
    const file = writeConfig(`
services:
  flaky:
    command: "echo run; exit 3"
    restart: on-failure
    backoff: {initial: 100ms, max: 1s}
    max_restarts: 2
    on_give_up: stop-container
  bystander:
    command: ["sh", "-c", "${LOOP}"]
`);
    const r = await runPidone(['up', '-f', file]);
    assert.equal(r.code, 3, r.stdout);
    assert.equal((r.stdout.match(/^flaky +\| run$/gm) ?? []).length, 3, r.stdout);
    assert.match(r.stdout, /flaky: restarting in 100ms/);
    assert.match(r.stdout, /flaky: restarting in 200ms/);
    assert.match(r.stdout, /flaky: giving up/);
  });

  test('stops in reverse dependency order, SIGKILLs a service at its stop_timeout', async () => {
    const file = writeConfig(`
services:
  db:
    command: ["sh", "-c", "trap 'echo db-stop; exit 0' TERM; echo up; while :; do sleep 0.05; done"]
  api:
    command: ["sh", "-c", "trap 'echo api-stop; exit 0' TERM; echo up; while :; do sleep 0.05; done"]
    depends_on: [db]
  web:
    command: ["sh", "-c", "trap 'echo web-ignores' TERM; echo web-up; while :; do sleep 0.05; done"]
    depends_on: [api]
    stop_timeout: 500ms
`);
    const run = startPidone(['up', '-f', file]);
    await run.waitForOutput('web-up');
    await sleep(200);
    const t0 = Date.now();
    run.kill('SIGTERM');
    const r = await run.done;
    const ms = Date.now() - t0;
    const web = eventIndex(r.stdout, 'web: stop timeout: sent SIGKILL');
    const api = eventIndex(r.stdout, 'api    | api-stop');
    const db = eventIndex(r.stdout, 'db     | db-stop');
    assert.ok(web < api && api < db, r.stdout);
    assert.ok(ms >= 450 && ms < 4000, `stop took ${ms} ms`);
    assert.equal(r.code, 137, 'a service had to be SIGKILLed, so the stop was not clean');
  });

  test('stop_grace bounds the whole stop', async () => {
    const file = writeConfig(`
stop_grace: 1s
services:
  stubborn:
    command: ["sh", "-c", "trap '' TERM; echo up; while :; do sleep 0.05; done"]
    stop_timeout: 30s
`);
    const run = startPidone(['up', '-f', file]);
    await run.waitForOutput('up');
    const t0 = Date.now();
    run.kill('SIGTERM');
    const r = await run.done;
    const ms = Date.now() - t0;
    assert.ok(ms >= 900 && ms < 4000, `stop took ${ms} ms`);
    // the service's own deadline is capped at what is left of stop_grace, so either timer may fire first
    assert.match(r.stdout, /stop_grace deadline passed|still running at its stop deadline/);
    assert.equal(r.code, 137);
  });

  test('exit status: the main service\'s code, 128+N for a signal, 0 only for a clean stop', async () => {
    const main7 = writeConfig(`
services:
  app: {command: "sleep 0.2; exit 7", main: true}
  side: {command: ["sh", "-c", "${LOOP}"]}
`);
    assert.equal((await runPidone(['up', '-f', main7])).code, 7);
    const killed = writeConfig(`
services:
  app: {command: ["sh", "-c", "echo up; sleep 60"], main: true}
`);
    const run = startPidone(['up', '-f', killed]);
    await run.waitForOutput('up');
    run.kill('SIGTERM');
    assert.equal((await run.done).code, 143);
    const clean = writeConfig(`
services:
  a: {command: ["sh", "-c", "echo up; ${LOOP}"]}
`);
    const c = startPidone(['up', '-f', clean]);
    await c.waitForOutput('up');
    c.kill('SIGTERM');
    assert.equal((await c.done).code, 0);
  });

  test('SIGHUP goes to services that opt in; USR1 to the main service', async () => {
    const file = writeConfig(`
services:
  app:
    command: ["sh", "-c", "trap 'echo app-usr1' USR1; trap 'echo app-hup' HUP; echo app-up; ${LOOP}"]
    main: true
  reloader:
    command: ["sh", "-c", "trap 'echo reloaded' USR2; trap 'echo reloader-usr1' USR1; echo up2; ${LOOP}"]
    reload_signal: SIGUSR2
`);
    const run = startPidone(['up', '-f', file]);
    await run.waitForOutput('up2');
    await run.waitForOutput('app-up');
    run.kill('SIGHUP');
    await run.waitForOutput('reloaded');
    run.kill('SIGUSR1');
    await run.waitForOutput('app-usr1');
    run.kill('SIGTERM');
    const r = await run.done;
    assert.doesNotMatch(r.stdout, /app-hup|reloader-usr1/);
  });

  test('user: runs the service as another user, who cannot signal pidone', async () => {
    const file = writeConfig(`
services:
  app:
    command: ["sh", "-c", "id -u; id -g; if kill -0 1 2>/dev/null; then echo can-signal; else echo cannot-signal; fi"]
    user: nobody
    main: true
`);
    const r = await runPidone(['up', '-f', file]);
    assert.match(r.stdout, /app +\| 65534\n/);
    assert.match(r.stdout, /cannot-signal/);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test('a config error starts nothing: one line, exit 2', async () => {
    const file = writeConfig(`
services:
  web:
    command: "touch /tmp/pidone-should-not-run"
    restrat: always
`);
    const r = await runPidone(['up', '-f', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^pidone: .*services\.web\.restrat: unknown key; did you mean "restart"\?\n$/);
    assert.equal(r.stdout, '');
  });

  test('a partial last line is flushed at exit; an over-long line is split, not lost; stderr stays stderr', async () => {
    const file = writeConfig(`
services:
  a: {command: "printf 'no newline at the end'"}
  b: {command: "head -c 40000 /dev/zero | tr '\\\\0' x; echo; echo to-stderr >&2"}
`);
    const r = await runPidone(['up', '-f', file]);
    assert.match(r.stdout, /^a +\| no newline at the end$/m);
    const pieces = r.stdout.split('\n').filter((l) => /^b +\| x/.test(l)).map((l) => l.replace(/^b +\| /, ''));
    assert.equal(pieces.join('').length, 40000);
    assert.ok(pieces.length >= 3, 'split at the 16 KiB limit');
    assert.match(r.stderr, /^b +\| to-stderr$/m);
    assert.doesNotMatch(r.stdout, /to-stderr/);
  });

  test('backpressure: a slow reader of pidone\'s stdout slows the services, and no line is lost', async () => {
    const n = 200_000;
    const file = writeConfig(`
services:
  a: {command: "seq 1 ${n}"}
`);
    const { spawnSync } = await import('node:child_process');
    const { NODE, PIDONE } = await import('./harness');
    // The reader sleeps before reading: the pipe fills, pidone must wait, not drop.
    const script = `unshare --pid --fork --mount-proc ${NODE} ${PIDONE} up -f ${file} | (sleep 2; grep -c '^a *| ')`;
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stdout.trim(), String(n), r.stderr);
  });

  for (const format of ['text', 'json'] as const) {
    test(`1e6 log lines through the prefixer arrive whole, in order, none lost (${format})`, async () => {
      const n = 1_000_000;
      const file = writeConfig(`
services:
  a: {command: "seq 1 ${n}"}
  b: {command: "seq 1 ${n}"}
`);
      const r = await runPidone(['up', '--log-format', format, '-f', file], { timeoutMs: 120_000 });
      const lines = { a: [] as string[], b: [] as string[] };
      for (const line of r.stdout.split('\n')) {
        if (line === '') continue;
        if (format === 'json') {
          const rec = JSON.parse(line) as { service: string; stream: string; line: string };
          if (rec.stream === 'stdout' && (rec.service === 'a' || rec.service === 'b')) lines[rec.service].push(rec.line);
        } else {
          const m = /^(a|b|pidone) +\| (.*)$/.exec(line);
          assert.ok(m, `malformed line: ${JSON.stringify(line)}`);
          if (m[1] === 'a' || m[1] === 'b') lines[m[1]].push(m[2]!);
        }
      }
      const want = createHash('sha256');
      for (let i = 1; i <= n; i++) want.update(`${i}\n`);
      const digest = want.digest('hex');
      for (const svc of ['a', 'b'] as const) {
        assert.equal(lines[svc].length, n, `${svc} lines`);
        assert.equal(createHash('sha256').update(lines[svc].map((l) => `${l}\n`).join('')).digest('hex'), digest, `${svc} checksum`);
      }
      assert.equal(r.code, 0);
    });
  }
});
