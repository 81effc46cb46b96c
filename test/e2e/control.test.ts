import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { makeTempDir, namespaceSkipReason, NODE, PIDONE, sleep, startPidone } from './harness';

const skip = namespaceSkipReason();
const LOOP = "trap 'exit 0' TERM; while :; do sleep 0.05; done";

function cli(socket: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(NODE, [PIDONE, ...args], { encoding: 'utf8', env: { ...process.env, PIDONE_SOCKET: socket }, timeout: 10_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', () => resolve(-1));
    req.end();
  });
}

async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (check()) return; await sleep(100); }
  throw new Error(`timed out waiting for ${what}`);
}

describe('control socket, status and health', { skip }, () => {
  test('supervisor: status, exit codes, restart/stop/start/signal, ps, and a non-root client is refused', async () => {
    const dir = makeTempDir();
    const socket = join(dir, 'ctl.sock');
    const file = join(dir, 'pidone.yaml');
    writeFileSync(file, `
services:
  web:
    command: ["sh", "-c", "trap 'echo got-usr2' USR2; echo web-up; ${LOOP}"]
    ready: {file: ${dir}/ready, interval: 50ms}
  worker:
    command: ["sh", "-c", "echo worker-up; ${LOOP}"]
`);
    const run = startPidone(['up', '-f', file], { env: { PIDONE_SOCKET: socket } });
    await run.waitForOutput('worker-up');
    await waitFor(() => cli(socket, 'status').code !== 3, 'the control socket');

    const notReady = cli(socket, 'status');
    assert.equal(notReady.code, 1, 'web is not ready yet');
    assert.match(notReady.stdout, /^NAME +STATE +PID +UPTIME +RESTARTS +LAST EXIT +READY$/m);
    assert.match(notReady.stdout, /^web +starting +\d+ /m);
    assert.equal(cli(socket, 'check').code, 1);
    assert.equal(cli(socket, 'check', '--live').code, 0);

    writeFileSync(join(dir, 'ready'), '');
    await waitFor(() => cli(socket, 'status').code === 0, 'web to be ready');
    const json = JSON.parse(cli(socket, 'status', '--json').stdout) as { healthy: boolean; services: Array<{ name: string; state: string; ready: boolean; pid: number }> };
    assert.equal(json.healthy, true);
    assert.deepEqual(json.services.map((s) => [s.name, s.state, s.ready]), [['web', 'running', true], ['worker', 'running', true]]);

    assert.equal(cli(socket, 'signal', 'web', 'USR2').code, 0);
    await run.waitForOutput('got-usr2');

    // ps reads /proc as seen from where it runs: run it inside the namespace, as docker exec would.
    const inside = spawnSync('nsenter', ['--target', String(run.initPid()), '--pid', '--mount', NODE, PIDONE, 'ps'], { encoding: 'utf8', env: { ...process.env, PIDONE_SOCKET: socket } });
    const ps = { stdout: inside.stdout };
    assert.match(ps.stdout, /^1 +0 +\S+ +root +- +\S*node .*pidone\.js up/m, ps.stdout + inside.stderr);
    assert.match(ps.stdout, /^\d+ +\d+ +\S+ +root +web +/m, ps.stdout);
    assert.match(ps.stdout, /^\d+ +\d+ +\S+ +root +worker +/m);

    const before = json.services.find((s) => s.name === 'worker')!.pid;
    assert.equal(cli(socket, 'restart', 'worker').code, 0);
    await waitFor(() => {
      const s = JSON.parse(cli(socket, 'status', '--json').stdout) as typeof json;
      const w = s.services.find((x) => x.name === 'worker')!;
      return w.state === 'running' && w.pid !== before;
    }, 'worker to restart');

    assert.equal(cli(socket, 'stop', 'worker').code, 0);
    await waitFor(() => /^worker +stopped/m.test(cli(socket, 'status').stdout), 'worker to stop');
    assert.equal(cli(socket, 'status').code, 1, 'a required service is down');
    assert.equal(cli(socket, 'start', 'worker').code, 0);
    await waitFor(() => cli(socket, 'status').code === 0, 'worker to start again');

    const unknown = cli(socket, 'restart', 'nope');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no service named "nope"/);

    // The client as nobody: a bare connect, since pidone's own files may sit in a folder nobody cannot read.
    const probe = `require('net').connect(process.argv[1]).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`;
    const asNobody = spawnSync('su', ['nobody', '-s', '/bin/sh', '-c', `node -e "${probe}" ${socket}`], { encoding: 'utf8' });
    assert.equal(asNobody.stdout.trim(), 'EACCES', asNobody.stderr);
    const mode = spawnSync('stat', ['-c', '%a %U', socket], { encoding: 'utf8' }).stdout.trim();
    assert.equal(mode, '600 root');

    run.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(cli(socket, 'status').code, 3, 'no pidone listens any more');
  });

  test('single-command mode: status shows the child', async () => {
    const socket = join(makeTempDir(), 'ctl.sock');
    const run = startPidone(['--', 'sh', '-c', `echo up; ${LOOP}`], { env: { PIDONE_SOCKET: socket } });
    await run.waitForOutput('up');
    await waitFor(() => cli(socket, 'status').code === 0, 'status');
    assert.match(cli(socket, 'status').stdout, /^sh +running +\d+ /m);
    assert.match(cli(socket, 'restart', 'sh').stderr, /needs supervisor mode/);
    run.kill('SIGTERM');
    assert.equal((await run.done).code, 0);
  });

  test('health endpoint: /live and /ready, and /ready turns 503 as soon as a stop begins', async () => {
    const port = 18300 + Math.floor(Math.random() * 500);
    const file = join(makeTempDir(), 'pidone.yaml');
    writeFileSync(file, `
stop_grace: 5s
services:
  app:
    command: ["sh", "-c", "trap 'sleep 1.5; exit 0' TERM; echo up; while :; do sleep 0.05; done"]
`);
    const run = startPidone(['up', '--health-port', String(port), '-f', file]);
    await run.waitForOutput('up');
    await waitFor(() => true, '');
    let live = -1;
    for (let i = 0; i < 50 && live !== 200; i++) { live = await get(port, '/live'); await sleep(100); }
    assert.equal(live, 200);
    assert.equal(await get(port, '/ready'), 200);
    assert.equal(await get(port, '/other'), 404);
    run.kill('SIGTERM');
    await sleep(300);
    assert.equal(await get(port, '/ready'), 503, 'not ready while stopping');
    assert.equal(await get(port, '/live'), 200, 'still live while stopping');
    assert.equal((await run.done).code, 0);
  });

  test('health: a service whose liveness check keeps failing is restarted', async () => {
    const dir = makeTempDir();
    const alive = join(dir, 'alive');
    const file = join(dir, 'pidone.yaml');
    writeFileSync(file, `
services:
  app:
    command: ["sh", "-c", "touch ${alive}; echo app-start; ${LOOP}"]
    health: {file: ${alive}, interval: 100ms, timeout: 1s, retries: 2}
`);
    const run = startPidone(['up', '-f', file]);
    await run.waitForOutput('app-start');
    await sleep(500);
    const { rmSync } = await import('node:fs');
    rmSync(alive);
    await run.waitForOutput('health check failed 2 times in a row: restarting');
    await waitFor(() => (run.stdoutSoFar().match(/app-start/g) ?? []).length === 2, 'the restart');
    run.kill('SIGTERM');
    assert.equal((await run.done).code, 0);
  });
});
