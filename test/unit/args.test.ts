import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GRACE_MS, parseArgs, type Mode, type RunOptions } from '../../src/cli/args';

function run(args: string[], env: Record<string, string> = {}): RunOptions {
  const m = parseArgs(args, env);
  assert.equal(m.kind, 'run', JSON.stringify(m));
  return (m as Extract<Mode, { kind: 'run' }>).options;
}

test('terminal modes', () => {
  const rows: Array<[string[], Mode['kind']]> = [
    [['-h'], 'help'], [['--help'], 'help'], [['--version'], 'version'], [['-V'], 'version'],
    [['-l'], 'license'], [['--license'], 'license'], [['-v', '-h', 'x'], 'help'],
    [[], 'usage-error'], [['-v'], 'usage-error'], [['--'], 'usage-error'], [['-x', 'true'], 'usage-error'],
    [['--bogus', 'true'], 'usage-error'], [['-e'], 'usage-error'], [['-e', '300', 'x'], 'usage-error'],
    [['-p', 'SIGNOPE', 'x'], 'usage-error'], [['--rewrite', '15', 'x'], 'usage-error'],
    [['--grace', 'soon', 'x'], 'usage-error'], [['--no-tree-stop=1', 'x'], 'usage-error'],
  ];
  for (const [args, kind] of rows) assert.equal(parseArgs(args, {}).kind, kind, args.join(' '));
});

test('usage errors are one line', () => {
  for (const args of [[], ['-x', 'y'], ['--grace', 'x', 'y'], ['-e', 'abc', 'y']]) {
    const m = parseArgs(args, {});
    assert.equal(m.kind, 'usage-error');
    assert.ok(!(m as { message: string }).message.includes('\n'));
  }
});

test('option parsing stops at the first non-option', () => {
  const o = run(['sh', '-c', 'x', '-v']);
  assert.deepEqual(o.command, ['sh', '-c', 'x', '-v']);
  assert.equal(o.commandIndex, 0);
  assert.equal(o.verbosity, 1);
  const o2 = run(['-v', '--', '-weird-name', '-g']);
  assert.deepEqual(o2.command, ['-weird-name', '-g']);
  assert.equal(o2.commandIndex, 2);
  assert.equal(o2.killProcessGroup, false);
});

test('tini flags', () => {
  const o = run(['-s', '-g', '-vvv', '-w', '-p', 'SIGKILL', '-e', '143', '-e3', 'app']);
  assert.equal(o.killProcessGroup, true);
  assert.equal(o.verbosity, 4);
  assert.equal(o.warnOnReap, true);
  assert.equal(o.parentDeathSignal, 9);
  assert.deepEqual([...o.remapToZero].sort(), [143, 3].sort());
  assert.equal(run(['-sgv', 'app']).verbosity, 2);
  assert.equal(run(['-pTERM', 'app']).parentDeathSignal, 15);
});

test('dumb-init flags', () => {
  const o = run(['--rewrite', '15:10', '-r', '2:0', '--rewrite=1:SIGUSR2', '--verbose', '--single-child', 'app']);
  assert.deepEqual([...o.rewrites], [[15, 10], [2, 0], [1, 12]]);
  assert.equal(o.verbosity, 2);
  assert.equal(o.session, 'group');
  const s = run(['--setsid', 'app']);
  assert.equal(s.session, 'session');
  assert.equal(s.killProcessGroup, true);
  assert.equal(run(['-c', 'app'], { DUMB_INIT_SETSID: '1' }).session, 'group');
});

test('environment variables', () => {
  const rows: Array<[Record<string, string>, Partial<RunOptions>]> = [
    [{}, { killProcessGroup: false, verbosity: 1, graceMs: DEFAULT_GRACE_MS, treeStop: true, session: 'group' }],
    [{ TINI_KILL_PROCESS_GROUP: '1' }, { killProcessGroup: true }],
    [{ TINI_KILL_PROCESS_GROUP: '' }, { killProcessGroup: false }],
    [{ TINI_VERBOSITY: '3' }, { verbosity: 3 }],
    [{ TINI_SUBREAPER: '1' }, { killProcessGroup: false }],
    [{ DUMB_INIT_SETSID: '1' }, { session: 'session', killProcessGroup: true }],
    [{ DUMB_INIT_SETSID: '0' }, { session: 'group', killProcessGroup: false }],
    [{ PIDONE_GRACE: '2s' }, { graceMs: 2000 }],
    [{ PIDONE_TREE_STOP: '0' }, { treeStop: false }],
  ];
  for (const [env, want] of rows) {
    const o = run(['app'], env);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(o[k as keyof RunOptions], v, `${JSON.stringify(env)} ${k}`);
  }
  assert.equal(parseArgs(['app'], { TINI_VERBOSITY: 'lots' }).kind, 'usage-error');
  assert.equal(parseArgs(['app'], { PIDONE_GRACE: 'forever' }).kind, 'usage-error');
  assert.equal(run(['--grace', '1s', 'app'], { PIDONE_GRACE: '5s' }).graceMs, 1000);
});

test('pidone flags', () => {
  const o = run(['--grace', '500ms', '--no-tree-stop', 'app']);
  assert.equal(o.graceMs, 500);
  assert.equal(o.treeStop, false);
  assert.equal(run(['--grace=0', 'app']).graceMs, 0);
});
