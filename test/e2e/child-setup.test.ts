import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fixture, makeTempDir, namespaceSkipReason, NODE, PIDONE, runPidone, sleep, startPidone } from './harness';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

const skip = namespaceSkipReason();
const PTY = ['python3', join(__dirname, '..', '..', '..', 'test', 'fixtures', 'pty-run.py')];

describe('child set-up', { skip }, () => {
  test('empty signal mask and default dispositions: yes | head -1 ends yes by SIGPIPE', async () => {
    const r = await runPidone(['--', 'bash', '-c', 'yes | head -1; echo "yes=${PIPESTATUS[0]}"; grep -E "^Sig(Blk|Ign)" /proc/self/status']);
    assert.match(r.stdout, /^y\nyes=141\n/);
    assert.match(r.stdout, /SigBlk:\s+0000000000000000/);
    assert.match(r.stdout, /SigIgn:\s+0000000000000000/);
    assert.equal(r.code, 0);
  });

  test('sh -c "yes | head -1" exits 0', async () => {
    const r = await runPidone(['--', 'sh', '-c', 'yes | head -1']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'y\n');
  });

  test('the child leads its own process group in pidone\'s session', async () => {
    const r = await runPidone(['--', 'sh', '-c', 'echo $$ $(ps -o pgid= -p $$) $(ps -o sid= -p $$) $(ps -o pgid= -p 1) $(ps -o sid= -p 1)']);
    const [pid, pgid, sid, initPgid, initSid] = r.stdout.trim().split(/\s+/).map(Number);
    assert.equal(pgid, pid);
    assert.notEqual(pgid, initPgid);
    assert.equal(sid, initSid);
  });

  test('--setsid and DUMB_INIT_SETSID=1 give the child its own session', async () => {
    for (const [args, env] of [[['--setsid'], {}], [[], { DUMB_INIT_SETSID: '1' }]] as const) {
      const r = await runPidone([...args, '--', 'sh', '-c', 'echo $$ $(ps -o sid= -p $$)'], { env: { ...env } });
      const [pid, sid] = r.stdout.trim().split(/\s+/).map(Number);
      assert.equal(sid, pid, JSON.stringify(env));
    }
  });

  test('fds 0-2 and extra fds are inherited as they are; none of pidone\'s own leak', async () => {
    const dir = makeTempDir();
    const input = join(dir, 'in');
    writeFileSync(input, 'from stdin\n');
    // fd 3 is opened by the shell that starts pidone; the child must see exactly the fds that shell had.
    // Each list goes to a file: a pipeline would add the shell's own pipe fds to what it lists.
    const outer = join(dir, 'outer');
    const inner = join(dir, 'inner');
    const script = `exec 3<${input}; ls /proc/$$/fd > ${outer}; exec unshare --pid --fork --mount-proc ${NODE} ${PIDONE} -- sh -c 'cat; ls /proc/$$/fd > ${inner}; cat <&3' < ${input}`;
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const list = (f: string): string => readFileSync(f, 'utf8').trim().split('\n').sort().join(' ');
    assert.equal(r.stdout, 'from stdin\nfrom stdin\n', r.stderr);
    assert.ok(list(outer).split(' ').includes('3'));
    assert.equal(list(inner), list(outer));
    assert.equal(r.status, 0, r.stderr);
  });

  test('stdin closed: the child still runs', async () => {
    const r = spawnSync('sh', ['-c', `exec <&-; exec unshare --pid --fork --mount-proc ${NODE} ${PIDONE} -- sh -c 'echo ran'`], { encoding: 'utf8' });
    assert.equal(r.stdout, 'ran\n');
    assert.equal(r.status, 0, r.stderr);
  });

  test('on a TTY, Ctrl-C reaches the child (its group is foreground) and pidone survives to report 130', async () => {
    const steps = 'wait ready\nsleep 0.3\nkey 03\n';
    const r = await runPidone(['--', 'sh', '-c', 'echo ready; exec sleep 20'], { wrapper: PTY, stdin: steps, timeoutMs: 15_000 });
    assert.equal(r.code, 130, r.stdout + r.stderr);
    assert.ok(r.ms < 10_000);
  });

  test('on a TTY, the child reads the terminal', async () => {
    const steps = 'wait ready\nkey 68656c6c6f0a\n'; // "hello\n"
    const r = await runPidone(['--', 'sh', '-c', 'echo ready; read line; echo "got:$line"'], { wrapper: PTY, stdin: steps });
    assert.match(r.stdout, /got:hello/);
    assert.equal(r.code, 0);
  });

  test('on a TTY, Ctrl-Z reaches the child, not pidone, which keeps running', async () => {
    const steps = 'wait ready\nsleep 0.3\nkey 1a\nsleep 0.5\n';
    const run = startPidone(['--', 'sh', '-c', `echo ready; exec ${fixture('sigrecord')} 15 ignore-none`], { wrapper: PTY, stdin: steps, timeoutMs: 15_000 });
    await run.waitForOutput('ready');
    await sleep(1200);
    const state = readState(run.pidonePid());
    assert.notEqual(state, 'T'); // pidone is not stopped
    run.kill('SIGTERM');
    const r = await run.done;
    assert.match(r.stdout, /(^|[^0-9])20\r?\n/); // the child got SIGTSTP from the terminal
    assert.equal(r.code, 0, r.stdout + r.stderr); // sigrecord exits 0 on SIGTERM
  });

  test('Ctrl-Z on a program with default SIGTSTP: SIGTERM still ends it (SIGCONT follows)', async () => {
    const steps = 'wait ready\nsleep 0.3\nkey 1a\nsleep 0.5\n';
    const run = startPidone(['--', 'sh', '-c', 'echo ready; exec sleep 30'], { wrapper: PTY, stdin: steps, timeoutMs: 15_000 });
    await run.waitForOutput('ready');
    await sleep(1200);
    run.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 143, r.stdout + r.stderr);
  });
});

function readState(pid: number): string {
  const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8') as string;
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}
