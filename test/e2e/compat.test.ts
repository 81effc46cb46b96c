import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, makeTempDir, namespaceSkipReason, NODE, PIDONE, runPidone } from './harness';

const skip = namespaceSkipReason();

describe('compatibility and output', { skip }, () => {
  test('options after the command go to the command', async () => {
    const r = await runPidone(['sh', '-c', 'echo "$@"', 'x', '-v', '-g', '--help']);
    assert.equal(r.stdout, '-v -g --help\n');
    assert.equal(r.stderr, '');
  });

  test('-h and --version print to stdout and exit 0; -l prints the license', async () => {
    const h = await runPidone(['-h']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^pidone \d+\.\d+\.\d+ - /);
    assert.equal(h.stderr, '');
    const v = await runPidone(['--version']);
    assert.match(v.stdout, /^pidone \d+\.\d+\.\d+\n$/);
    const l = await runPidone(['-l']);
    assert.match(l.stdout, /MIT License/);
  });

  test('diagnostics go to stderr with a pidone: prefix, never to stdout', async () => {
    const r = await runPidone(['-vvv', '--', 'sh', '-c', 'echo out; echo err >&2; (sleep 0.05 &); sleep 0.2']);
    assert.equal(r.stdout, 'out\n');
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.length >= 3, r.stderr);
    for (const line of lines) assert.ok(line === 'err' || line.startsWith('pidone: '), line);
  });

  test('argv and env reach the child byte for byte, non-UTF-8 included', async () => {
    const dir = makeTempDir();
    const out = join(dir, 'out');
    const arg = Buffer.from([0x61, 0xff, 0xfe, 0x62]).toString('latin1');
    // Bytes written by the shell itself, so no UTF-8 decoding happens on the way in.
    const script = `exec unshare --pid --fork --mount-proc ${NODE} ${PIDONE} -- sh -c 'printf "%s|%s" "$1" "$WEIRD" > ${out}' x "$(printf 'a\\377\\376b')"`;
    const r = spawnSync('sh', ['-c', script], { env: { ...process.env, WEIRD: 'é€' } });
    assert.equal(r.status, 0, String(r.stderr));
    const got = require('node:fs').readFileSync(out) as Buffer;
    assert.deepEqual(got, Buffer.concat([Buffer.from(arg, 'latin1'), Buffer.from('|'), Buffer.from('é€')]));
  });

  test('the child\'s stdout is binary-safe and does not pass through pidone', async () => {
    const dir = makeTempDir();
    const blob = join(dir, 'blob');
    const data = randomBytes(8 * 1024 * 1024);
    writeFileSync(blob, data);
    const r = await runPidone(['--', 'cat', blob], { timeoutMs: 30_000 });
    assert.equal(r.code, 0);
    assert.ok(r.stdoutRaw.equals(data));
  });

  test('a closed stdout gives the child SIGPIPE (141)', async () => {
    const r = spawnSync('sh', ['-c', `${NODE} ${PIDONE} -- sh -c 'sleep 0.3; yes' | true; echo "rc=$?"`], { encoding: 'utf8' });
    // pipeline status is the last command's; check pidone's via a wrapper instead
    const w = spawnSync('bash', ['-c', `${NODE} ${PIDONE} -- bash -c 'sleep 0.3; exec yes' | head -c1 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(w.stdout, /rc=141/);
  });

  test('-p sets a parent-death signal that is forwarded to the child', async () => {
    // pidone's parent is a short-lived sh; when it exits, pidone gets SIGUSR1 and forwards it.
    const script = `sh -c '${NODE} ${PIDONE} -p SIGUSR1 -- ${fixture('sigrecord')} 10 & sleep 0.8'; wait; sleep 1`;
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'bash', '-c', script], { encoding: 'utf8', timeout: 10_000 });
    assert.match(r.stdout, /ready\n10\n/);
  });

  test('the koffi FFI cannot load: a clear message and exit 70', async () => {
    const dir = makeTempDir();
    const copy = join(dir, 'pidone.js');
    writeFileSync(copy, require('node:fs').readFileSync(PIDONE));
    const r = spawnSync(NODE, [copy, '--', 'true'], { encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
    assert.equal(r.status, 70);
    assert.match(r.stderr, /^pidone: cannot load koffi \(.*\); reinstall pidone with npm ci/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  test('pidone never exits while its child lives: a crash of pidone kills the child first', async () => {
    // A real crash is simulated with an uncaught exception injected through a
    // preload script; the child must be gone when pidone has exited.
    const dir = makeTempDir();
    const pre = join(dir, 'crash.js');
    writeFileSync(pre, "setTimeout(() => { throw new Error('boom'); }, 500);");
    const pidfile = join(dir, 'pid');
    const script = `NODE_OPTIONS="--require ${pre}" ${NODE} ${PIDONE} -- sh -c 'echo $$ > ${pidfile}; exec sleep 30'; rc=$?; p=$(cat ${pidfile}); `
      + `if [ -e /proc/$p ] && ! grep -q "^State:.Z" /proc/$p/status; then echo child-alive; else echo child-gone; fi; exit $rc`;
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'bash', '-c', script], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 70, r.stderr);
    assert.match(r.stderr, /pidone: internal error: boom; stopping the child and exiting 70/);
    assert.equal(r.stdout, 'child-gone\n');
  });
});
