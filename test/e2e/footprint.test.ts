// PID 1's memory is mostly what Node loads. Single-command mode must load no
// Node module beyond a bare script's, save the signal binding: koffi's entry
// point (node:util, node:module, the ESM resolver), the global `performance`
// (perf_hooks), node:os, node:net each cost RSS in every container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, NODE, PIDONE } from './harness';

const ALLOWED = new Set(['Internal Binding signal_wrap']);

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
