// PID 1's memory is mostly what Node loads. Single-command mode must load no
// Node module beyond a bare script's, save the signal binding: koffi's entry
// point (node:util, node:module, the ESM resolver), the global `performance`
// (perf_hooks), node:os, node:net each cost RSS in every container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, namespaceSkipReason, NODE, PIDONE, sleep, startPidone } from './harness';

// signal_wrap: every process.on(signal); pipe_wrap: the control socket's listener.
const ALLOWED = new Set(['Internal Binding signal_wrap', 'Internal Binding pipe_wrap']);

test('single-command mode loads no Node module a bare script does not, from start to exit', () => {
  const dir = makeTempDir();
  const preload = join(dir, 'dump.js');
  writeFileSync(preload, "process.on('exit', () => require('fs').writeFileSync(process.env.DUMP_TO, JSON.stringify(process.moduleLoadList)));\n");
  writeFileSync(join(dir, 'bare.js'), '');
  const load = (script: string[], out: string): Set<string> => {
    const r = spawnSync(NODE, ['-r', preload, ...script], { env: { ...process.env, DUMP_TO: join(dir, out) }, encoding: 'utf8' });
    assert.ok(r.status === 3 || r.status === 0, `${script.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return new Set(JSON.parse(readFileSync(join(dir, out), 'utf8')) as string[]);
  };
  const bare = load([join(dir, 'bare.js')], 'bare.json');
  const pidone = load([PIDONE, '--', 'sh', '-c', 'exit 3'], 'pidone.json');
  const extra = [...pidone].filter((m) => !bare.has(m) && !ALLOWED.has(m));
  assert.deepEqual(extra, [], 'modules PID 1 loaded beyond a bare script');
});

test('an idle PID 1 does not wake up: no polling timer, the control socket included', { skip: namespaceSkipReason() }, async () => {
  const run = startPidone(['--', 'sleep', '30'], { timeoutMs: 20_000 });
  await sleep(1500); // past start-up and the inspector guard's checks
  const pid = run.pidonePid();
  const switches = (): number => Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  const before = switches();
  await sleep(2000);
  const woke = switches() - before;
  run.kill('SIGKILL');
  await run.done;
  assert.ok(woke <= 2, `pidone's main thread woke ${woke} times in 2 s while idle (a 200 ms poll would be 10)`);
});
