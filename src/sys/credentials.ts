// Dropping privileges and exec'ing, for `pidone exec-as`: the short-lived
// helper a service with `user:` is started through. It replaces itself with the
// service, so the service keeps the pid pidone spawned and reaps.
import { loadLibc } from './libc';
import { readErrno } from './errno';

export type CredResult = { kind: 'ok' } | { kind: 'error'; step: string; errno: number };

export function dropPrivileges(uid: number, gid: number, groups: number[]): CredResult {
  const c = loadLibc();
  const list = new Uint32Array(groups.length > 0 ? groups : [gid]);
  if (c.setgroups(list.length, list) !== 0) return { kind: 'error', step: 'setgroups', errno: readErrno() };
  if (c.setgid(gid) !== 0) return { kind: 'error', step: 'setgid', errno: readErrno() };
  if (c.setuid(uid) !== 0) return { kind: 'error', step: 'setuid', errno: readErrno() };
  return { kind: 'ok' };
}

// Only returns on failure, with errno.
export function execCommand(argv: readonly string[]): number {
  loadLibc().execvp(argv[0], [...argv, null]);
  return readErrno();
}
