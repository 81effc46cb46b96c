import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainSpawnError } from '../../src/core/spawn-errors';

test('explainSpawnError maps errno to 126/127/70 with a reason', () => {
  const rows: Array<[string, string, boolean, number, RegExp]> = [
    ['ENOENT', 'nosuch', false, 127, /command not found/],
    ['ENOENT', './script.sh', true, 127, /interpreter was not found/],
    ['ENOENT', './missing.sh', false, 127, /command not found/],
    ['ENOTDIR', 'a/b', false, 127, /ENOTDIR/],
    ['EACCES', './x', true, 126, /permission denied/],
    ['EISDIR', '/tmp', true, 126, /directory/],
    ['ENOEXEC', './x', true, 126, /#! line/],
    ['EAGAIN', 'x', true, 70, /EAGAIN/],
  ];
  for (const [errno, cmd, exists, code, reason] of rows) {
    const got = explainSpawnError(errno, cmd, exists);
    assert.equal(got.exitCode, code, errno);
    assert.match(got.reason, reason, errno);
    assert.ok(!got.reason.includes('\n'));
  }
});
