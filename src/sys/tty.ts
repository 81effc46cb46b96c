import { loadLibc } from './libc';
import { readErrno } from './errno';
import { makeSigset } from './sigset';
import type { SysResult } from './process';

const SIG_BLOCK = 0;
const SIG_SETMASK = 2;
const SIGTTOU = 22;

export function isTerminal(fd: number): boolean {
  return loadLibc().isatty(fd) === 1;
}

// True when pidone's group owns the terminal on fd, so it may hand it over.
export function ownsForeground(fd: number): boolean {
  const c = loadLibc();
  return c.isatty(fd) === 1 && c.tcgetpgrp(fd) === c.getpgrp();
}

// tcsetpgrp from the parent, with SIGTTOU blocked in this thread so the call
// neither stops pidone nor livelocks on a JS-level listener.
export function setForegroundGroup(fd: number, pgid: number): SysResult {
  const c = loadLibc();
  const old = Buffer.alloc(128);
  c.pthread_sigmask(SIG_BLOCK, makeSigset([SIGTTOU]), old);
  try {
    return c.tcsetpgrp(fd, pgid) === 0 ? { kind: 'ok' } : { kind: 'error', errno: readErrno() };
  } finally {
    c.pthread_sigmask(SIG_SETMASK, old, null);
  }
}
