// Pipes, socket pairs and the unix datagram socket for sd_notify: the fds a
// supervisor hands to its services. Everything is created close-on-exec;
// posix_spawn's dup2 clears that flag on the child's copy.
import { loadLibc } from './libc';
import { readErrno } from './errno';

const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = O_NONBLOCK;
const SOCK_CLOEXEC = O_CLOEXEC;
const MSG_DONTWAIT = 0x40;
const F_SETFD = 2;
const FD_CLOEXEC = 1;
const EINTR = 4;
const EAGAIN = 11;

export type FdResult<T> = { kind: 'ok'; value: T } | { kind: 'error'; errno: number };

export interface Pipe { read: number; write: number }

export function makePipe(): FdResult<Pipe> {
  const fds = [0, 0];
  if (loadLibc().pipe2(fds, O_CLOEXEC) !== 0) return { kind: 'error', errno: readErrno() };
  return { kind: 'ok', value: { read: fds[0]!, write: fds[1]! } };
}

export function makeSocketPair(): FdResult<[number, number]> {
  const sv = [0, 0];
  if (loadLibc().socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) !== 0) return { kind: 'error', errno: readErrno() };
  return { kind: 'ok', value: [sv[0]!, sv[1]!] };
}

export function closeFd(fd: number): void {
  loadLibc().close(fd);
}

export function clearCloexec(fd: number): boolean {
  return loadLibc().fcntl(fd, F_SETFD, 0) === 0;
}

export function setCloexec(fd: number): boolean {
  return loadLibc().fcntl(fd, F_SETFD, FD_CLOEXEC) === 0;
}

// A bound, non-blocking AF_UNIX datagram socket (sd_notify's NOTIFY_SOCKET).
export function bindDatagramSocket(path: string): FdResult<number> {
  return bindUnixSocket(path, SOCK_DGRAM);
}

// A listening AF_UNIX stream socket, made without loading node:net.
export function listenUnixSocket(path: string): FdResult<number> {
  const r = bindUnixSocket(path, SOCK_STREAM);
  if (r.kind === 'error') return r;
  if (loadLibc().listen(r.value, 16) !== 0) {
    const errno = readErrno();
    closeFd(r.value);
    return { kind: 'error', errno };
  }
  return r;
}

const POLLOUT = 4;

// For a pipe: a write of up to PIPE_BUF bytes would not block.
export function isWritable(fd: number): boolean {
  return (pollNow(fd, POLLOUT) & POLLOUT) !== 0;
}

function pollNow(fd: number, events: number): number {
  const pfd = Buffer.alloc(8); // struct pollfd { int fd; short events; short revents; }
  pfd.writeInt32LE(fd, 0);
  pfd.writeInt16LE(events, 4);
  return loadLibc().poll(pfd, 1, 0) > 0 ? pfd.readInt16LE(6) : 0;
}

// Whether something listens on the unix socket at path (a stale file: false).
export function isListening(path: string): boolean {
  const c = loadLibc();
  const fd = c.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const addr = makeUnixAddress(path);
  const ok = addr !== null && (c.connect(fd, addr, addr.length) === 0 || readErrno() === EAGAIN);
  c.close(fd);
  return ok;
}

function makeUnixAddress(path: string): Buffer | null {
  const bytes = Buffer.from(path);
  if (bytes.length > 107) return null;
  const addr = Buffer.alloc(2 + bytes.length + 1);
  addr.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(addr, 2);
  return addr;
}

function bindUnixSocket(path: string, type: number): FdResult<number> {
  const c = loadLibc();
  const fd = c.socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return { kind: 'error', errno: readErrno() };
  const addr = makeUnixAddress(path);
  if (addr === null) { c.close(fd); return { kind: 'error', errno: 36 }; } // ENAMETOOLONG
  if (c.bind(fd, addr, addr.length) !== 0) {
    const errno = readErrno();
    c.close(fd);
    return { kind: 'error', errno };
  }
  return { kind: 'ok', value: fd };
}

const recvBuf = Buffer.alloc(4096);

// Every datagram waiting on fd, without blocking.
export function receiveDatagrams(fd: number): string[] {
  const out: string[] = [];
  for (;;) {
    const n = Number(loadLibc().recv(fd, recvBuf, recvBuf.length, MSG_DONTWAIT));
    if (n < 0) {
      if (readErrno() === EINTR) continue;
      break; // EAGAIN: nothing more waiting
    }
    out.push(recvBuf.subarray(0, n).toString());
  }
  return out;
}
