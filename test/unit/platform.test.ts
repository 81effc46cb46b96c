import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlatformError } from '../../src/core/errors';
import { loadLibc } from '../../src/sys/libc';

test('a non-Linux platform is refused with E_PLATFORM and exit code 70', () => {
  const real = Object.getOwnPropertyDescriptor(process, 'platform')!;
  Object.defineProperty(process, 'platform', { value: 'darwin' });
  try {
    assert.throws(() => loadLibc(), (err: unknown) => {
      assert.ok(err instanceof PlatformError);
      assert.equal(err.code, 'E_PLATFORM');
      assert.equal(err.exitCode, 70);
      assert.match(err.message, /^cannot run on darwin: pidone needs Linux$/);
      return true;
    });
  } finally {
    Object.defineProperty(process, 'platform', real);
  }
});
