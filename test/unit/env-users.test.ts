import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile } from '../../src/supervisor/env';
import { parseGroup, parsePasswd, resolveIdentity } from '../../src/supervisor/users';

test('env_file parsing', () => {
  const ok = parseEnvFile('# comment\nA=1\nexport B = two\nC="x\\ny"\nD=\'$lit\'\nE=val # trailing\n\nF=\n');
  assert.deepEqual(ok, { kind: 'ok', env: { A: '1', B: 'two', C: 'x\ny', D: '$lit', E: 'val', F: '' } });
  assert.deepEqual(parseEnvFile('A=1\nnot a line\n'), { kind: 'error', line: 2, reason: 'expected KEY=VALUE' });
});

test('user and group resolution', () => {
  const passwd = parsePasswd('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin\napp:x:1000:1000::/app:/bin/sh\n');
  const groups = parseGroup('root:x:0:\nnogroup:x:65534:\napp:x:1000:\ndocker:x:999:app\n');
  const rows: Array<[string, string | null, unknown]> = [
    ['nobody', null, { uid: 65534, gid: 65534, groups: [65534] }],
    ['app', null, { uid: 1000, gid: 1000, groups: [1000, 999] }],
    ['app', 'nogroup', { uid: 1000, gid: 65534, groups: [65534, 999] }],
    ['1234', null, { uid: 1234, gid: 1234, groups: [1234] }],
    ['1234', '55', { uid: 1234, gid: 55, groups: [55] }],
  ];
  for (const [user, group, want] of rows) {
    assert.deepEqual(resolveIdentity(user, group, passwd, groups), { kind: 'ok', identity: want }, `${user}:${group}`);
  }
  const missing = resolveIdentity('ghost', null, passwd, groups);
  assert.equal(missing.kind, 'error');
  assert.match((missing as { reason: string }).reason, /user "ghost" is not in \/etc\/passwd/);
  assert.equal(resolveIdentity('app', 'ghosts', passwd, groups).kind, 'error');
  // 2^32 would wrap to uid 0 in setuid(): refused, never root by accident
  assert.deepEqual(resolveIdentity('4294967296', null, passwd, groups), { kind: 'error', reason: 'user id 4294967296 is out of range 0-4294967294' });
  assert.equal(resolveIdentity('1000', '4294967295', passwd, groups).kind, 'error');
});
