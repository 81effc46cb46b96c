// kill, waitpid, prctl and process-group calls. Expected errnos come back as
// results, never as exceptions.
import { loadLibc } from './libc';
import { readErrno } from './errno';

const WNOHANG = 1;
const WUNTRACED = 2;
const WCONTINUED = 8;
const PR_SET_PDEATHSIG = 1;
const PR_SET_CHILD_SUBREAPER = 36;
const PR_GET_CHILD_SUBREAPER = 37;

export type SysResult = { kind: 'ok' } | { kind: 'error'; errno: number };

export type WaitResult =
  | { kind: 'changed'; pid: number; status: number }
  | { kind: 'none' }          // children exist, none has changed state
  | { kind: 'no-children' }   // ECHILD
  | { kind: 'error'; errno: number };

const statusBox = [0];

export function waitAny(): WaitResult {
  const c = loadLibc();
  for (;;) {
    const pid = c.waitpid(-1, statusBox, WNOHANG | WUNTRACED | WCONTINUED);
    if (pid > 0) return { kind: 'changed', pid, status: statusBox[0]! };
    if (pid === 0) return { kind: 'none' };
    const errno = readErrno();
    if (errno === 4) continue; // EINTR
    if (errno === 10) return { kind: 'no-children' };
    return { kind: 'error', errno };
  }
}

export function sendSignal(pid: number, signum: number): SysResult {
  return result(loadLibc().kill(pid, signum));
}

export function sendSignalToGroup(pgid: number, signum: number): SysResult {
  return result(loadLibc().kill(-pgid, signum));
}

export function setChildSubreaper(): SysResult {
  return result(loadLibc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
}

export function isChildSubreaper(): boolean {
  const flag = [0];
  return loadLibc().prctl_get(PR_GET_CHILD_SUBREAPER, flag, 0, 0, 0) === 0 && flag[0] !== 0;
}

export function setParentDeathSignal(signum: number): SysResult {
  return result(loadLibc().prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0));
}

export function getPid(): number {
  return loadLibc().getpid();
}

export function getProcessGroup(pid = 0): number {
  return loadLibc().getpgid(pid);
}

// SIG_IGN for signals pidone must neither die of nor stop on (TTIN, TTOU).
// Children get default dispositions back through POSIX_SPAWN_SETSIGDEF.
export function ignoreSignal(signum: number): void {
  loadLibc().signal(signum, 1);
}

function result(rc: number): SysResult {
  return rc === 0 ? { kind: 'ok' } : { kind: 'error', errno: readErrno() };
}

// Exit at once, without Node's teardown, which waits for threadpool writes that
// a full, unread stdout pipe never lets finish.
export function exitNow(code: number): never {
  loadLibc()._exit(code);
  throw new Error('unreachable');
}
