// The one place that loads koffi and binds libc. Everything else in src/sys/
// wraps these raw functions into typed results.
import { existsSync, readFileSync } from 'node:fs';
import { PlatformError } from '../core/errors';

type Koffi = typeof import('koffi');
type Fn = (...args: unknown[]) => number;

export interface Libc {
  koffi: Koffi;
  posix_spawnp: Fn;
  posix_spawnattr_init: Fn;
  posix_spawnattr_destroy: Fn;
  posix_spawnattr_setflags: Fn;
  posix_spawnattr_setsigmask: Fn;
  posix_spawnattr_setsigdefault: Fn;
  posix_spawnattr_setpgroup: Fn;
  posix_spawn_file_actions_init: Fn;
  posix_spawn_file_actions_destroy: Fn;
  posix_spawn_file_actions_adddup2: Fn;
  posix_spawn_file_actions_addtcsetpgrp_np: Fn | null; // glibc >= 2.35 only
  waitpid: Fn;
  kill: Fn;
  prctl: Fn;
  prctl_get: Fn;
  getpgid: Fn;
  setpgid: Fn;
  getpid: Fn;
  getpgrp: Fn;
  tcgetpgrp: Fn;
  tcsetpgrp: Fn;
  isatty: Fn;
  signal: Fn;
  pthread_sigmask: Fn;
  pipe2: Fn;
  close: Fn;
  fcntl: Fn;
  socketpair: Fn;
  socket: Fn;
  bind: Fn;
  recv: Fn;
  listen: Fn;
  connect: Fn;
  poll: Fn;
  setgroups: Fn;
  setgid: Fn;
  setuid: Fn;
  execvp: Fn;
  posix_spawn_file_actions_addchdir_np: Fn | null; // glibc >= 2.29, musl >= 1.1.24
  _exit: Fn;
}

let cached: Libc | null = null;

export function loadLibc(): Libc {
  if (cached) return cached;
  if (process.platform !== 'linux') {
    throw new PlatformError(`cannot run on ${process.platform}: pidone needs Linux`);
  }
  let koffi: Koffi;
  try {
    koffi = requireKoffi();
  } catch (err) {
    throw new PlatformError(`cannot load koffi (${firstLine(err)}); reinstall pidone with npm ci for ${process.arch}`);
  }
  const lib = koffi.load(null as unknown as string);
  const fn = (proto: string): Fn => lib.func(proto) as unknown as Fn;
  const optional = (proto: string): Fn | null => {
    try { return fn(proto); } catch { return null; }
  };
  cached = {
    koffi,
    posix_spawnp: fn('int posix_spawnp(_Out_ int *pid, const char *file, const void *fa, const void *attr, const char **argv, const char **envp)'),
    posix_spawnattr_init: fn('int posix_spawnattr_init(void *attr)'),
    posix_spawnattr_destroy: fn('int posix_spawnattr_destroy(void *attr)'),
    posix_spawnattr_setflags: fn('int posix_spawnattr_setflags(void *attr, short flags)'),
    posix_spawnattr_setsigmask: fn('int posix_spawnattr_setsigmask(void *attr, const void *set)'),
    posix_spawnattr_setsigdefault: fn('int posix_spawnattr_setsigdefault(void *attr, const void *set)'),
    posix_spawnattr_setpgroup: fn('int posix_spawnattr_setpgroup(void *attr, int pgroup)'),
    posix_spawn_file_actions_init: fn('int posix_spawn_file_actions_init(void *fa)'),
    posix_spawn_file_actions_destroy: fn('int posix_spawn_file_actions_destroy(void *fa)'),
    posix_spawn_file_actions_adddup2: fn('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)'),
    posix_spawn_file_actions_addtcsetpgrp_np: optional('int posix_spawn_file_actions_addtcsetpgrp_np(void *fa, int fd)'),
    waitpid: fn('int waitpid(int pid, _Out_ int *status, int options)'),
    kill: fn('int kill(int pid, int sig)'),
    prctl: fn('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)'),
    prctl_get: lib.func('prctl', 'int', ['int', koffi.out(koffi.pointer('int')), 'unsigned long', 'unsigned long', 'unsigned long']) as unknown as Fn,
    getpgid: fn('int getpgid(int pid)'),
    setpgid: fn('int setpgid(int pid, int pgid)'),
    getpid: fn('int getpid()'),
    getpgrp: fn('int getpgrp()'),
    tcgetpgrp: fn('int tcgetpgrp(int fd)'),
    tcsetpgrp: fn('int tcsetpgrp(int fd, int pgrp)'),
    isatty: fn('int isatty(int fd)'),
    signal: fn('intptr_t signal(int sig, intptr_t handler)'),
    pthread_sigmask: fn('int pthread_sigmask(int how, const void *set, void *oldset)'),
    pipe2: fn('int pipe2(_Out_ int *fds, int flags)'),
    close: fn('int close(int fd)'),
    fcntl: fn('int fcntl(int fd, int cmd, int arg)'),
    socketpair: fn('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
    socket: fn('int socket(int domain, int type, int protocol)'),
    bind: fn('int bind(int fd, const void *addr, uint32_t len)'),
    recv: fn('intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)'),
    listen: fn('int listen(int fd, int backlog)'),
    connect: fn('int connect(int fd, const void *addr, uint32_t len)'),
    poll: fn('int poll(_Inout_ void *fds, unsigned long nfds, int timeout)'),
    setgroups: fn('int setgroups(size_t size, const uint32_t *list)'),
    setgid: fn('int setgid(uint32_t gid)'),
    setuid: fn('int setuid(uint32_t uid)'),
    execvp: fn('int execvp(const char *file, const char **argv)'),
    _exit: fn('void _exit(int status)'),
    posix_spawn_file_actions_addchdir_np: optional('int posix_spawn_file_actions_addchdir_np(void *fa, const char *path)'),
  };
  return cached;
}

// koffi's own entry point loads node:util, node:module and the ESM resolver
// (about 1 MB of RSS in every container) only to find its prebuilt binary and
// add deprecation shims. PID 1 loads that binary directly, from the same
// places, and falls back to require('koffi') for any other layout.
function requireKoffi(): Koffi {
  const native = findPrebuilt();
  if (native) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(native) as Koffi;
    } catch { /* not loadable here: let koffi choose */ }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('koffi') as Koffi;
}

function findPrebuilt(): string | null {
  const arch = process.arch;
  if (arch !== 'x64' && arch !== 'arm64') return null; // other ABIs need koffi's ELF checks
  const triplet = `${isMusl() ? 'musl' : 'linux'}_${arch}`;
  for (let dir = __dirname; ; dir = dir.slice(0, dir.lastIndexOf('/'))) {
    const file = `${dir}/node_modules/@koromix/koffi-linux-${arch}/${triplet}/koffi.node`;
    if (existsSync(file)) return file;
    if (dir.lastIndexOf('/') <= 0) return null;
  }
}

function isMusl(): boolean {
  try { return readFileSync('/proc/self/maps', 'latin1').includes('/ld-musl-'); } catch { return false; }
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0] ?? '';
}
