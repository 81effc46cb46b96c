import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseSocketPath } from '../../src/control/socket-path';

const writable = (dirs: string[]) => (d: string): boolean => dirs.includes(d);

test('chooseSocketPath: explicit, env, /run, XDG_RUNTIME_DIR, then the temp dir', () => {
  const cases: Array<[Record<string, string>, string | null, string[], string]> = [
    [{}, '/x/s.sock', ['/run'], '/x/s.sock'],
    [{ PIDONE_SOCKET: '/e.sock' }, null, ['/run'], '/e.sock'],
    [{}, null, ['/run'], '/run/pidone.sock'],
    [{ XDG_RUNTIME_DIR: '/run/user/7/' }, null, ['/run/user/7/'], '/run/user/7/pidone.sock'],
    [{ XDG_RUNTIME_DIR: '/ro' }, null, [], '/tmp/pidone.sock'],
    [{ TMPDIR: '/scratch//' }, null, [], '/scratch/pidone.sock'],
    [{ TMP: '/t2' }, null, [], '/t2/pidone.sock'],
    [{ TEMP: '/t3' }, null, [], '/t3/pidone.sock'],
    [{ TMPDIR: '/' }, null, [], '/pidone.sock'],
  ];
  for (const [env, explicit, dirs, want] of cases) {
    assert.equal(chooseSocketPath(env, explicit, writable(dirs)), want, JSON.stringify(env));
  }
});
