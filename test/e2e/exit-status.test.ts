import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, namespaceSkipReason, runPidone } from './harness';

const skip = namespaceSkipReason();

describe('exit status', { skip }, () => {
  test("the child's exit code, or 128+N when signal N killed it", async () => {
    const rows: Array<[string, number]> = [
      ['exit 0', 0], ['exit 3', 3], ['exit 255', 255],
      ['kill -TERM $$', 143], ['kill -KILL $$', 137], ['kill -SEGV $$', 139], ['kill -ABRT $$', 134], ['kill -INT $$', 130],
    ];
    for (const [script, want] of rows) {
      const r = await runPidone(['--', 'sh', '-c', script]);
      assert.equal(r.code, want, `${script}: ${r.stderr}`);
    }
  });

  test('-e remaps codes to 0, repeatably', async () => {
    assert.equal((await runPidone(['-e', '143', '--', 'sh', '-c', 'kill -TERM $$'])).code, 0);
    assert.equal((await runPidone(['-e', '3', '-e', '4', '--', 'sh', '-c', 'exit 4'])).code, 0);
    assert.equal((await runPidone(['-e', '3', '--', 'sh', '-c', 'exit 5'])).code, 5);
  });

  test('command not found: 127 and one line naming it', async () => {
    const r = await runPidone(['--', 'no-such-command-xyz']);
    assert.equal(r.code, 127);
    assert.equal(r.stderr, "pidone: cannot run 'no-such-command-xyz': command not found (ENOENT); check the name and PATH\n");
    assert.equal(r.stdout, '');
  });

  test('found but not executable: 126 (EACCES, ENOEXEC, a directory)', async () => {
    const dir = makeTempDir();
    const noexec = join(dir, 'noexec');
    writeFileSync(noexec, '#!/bin/sh\necho hi\n');
    chmodSync(noexec, 0o644);
    const noshebang = join(dir, 'noshebang');
    writeFileSync(noshebang, '\x7fELFgarbage');
    chmodSync(noshebang, 0o755);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const badInterp = join(dir, 'badinterp');
    writeFileSync(badInterp, '#!/no/such/interpreter\n');
    chmodSync(badInterp, 0o755);
    const rows: Array<[string, number, RegExp]> = [
      [noexec, 126, /permission denied \(EACCES\)/],
      [noshebang, 126, /not an executable format \(ENOEXEC\)/],
      [sub, 126, /EACCES/],
      [badInterp, 127, /interpreter was not found/],
    ];
    for (const [file, code, msg] of rows) {
      const r = await runPidone(['--', file]);
      assert.equal(r.code, code, file);
      assert.match(r.stderr, msg);
      assert.ok(r.stderr.startsWith(`pidone: cannot run '${file}': `));
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    }
  });

  test('no command, or an unknown option: a message and exit 1, and nothing runs', async () => {
    const none = await runPidone([]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^pidone: no command given/);
    const dir = makeTempDir();
    const marker = join(dir, 'ran');
    const bad = await runPidone(['--bogus', 'sh', '-c', `touch ${marker}`]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "pidone: unknown option '--bogus' (pidone -h lists the options)\n");
    const { existsSync } = await import('node:fs');
    assert.equal(existsSync(marker), false);
  });
});
