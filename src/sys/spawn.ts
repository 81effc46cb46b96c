// posix_spawnp with the attributes a correct init needs: an empty signal mask,
// every signal at its default disposition (Node leaves SIGPIPE and SIGXFSZ
// ignored), its own process group or session, fds 0-2 re-opened across exec
// and inherited fds (Node marks them close-on-exec), and optionally the terminal's foreground.
import { clearCloexec } from './fd';
import { loadLibc } from './libc';
import { makeEmptySigset, makeFullSigset } from './sigset';

const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const SPAWNATTR_BYTES = 512;     // 336 on glibc and musl x86_64; room to spare
const FILE_ACTIONS_BYTES = 256;  // 80 on glibc and musl x86_64

export interface SpawnRequest {
  file: Buffer;               // looked up in PATH as execvp does
  argv: readonly Buffer[];    // NUL-terminated
  envp: readonly Buffer[];    // NUL-terminated "K=V"
  session: 'group' | 'session' | 'inherit';
  passFds: readonly number[];  // open fds handed on as they are (0-2 and inherited ones; those >= 3 lose close-on-exec in pidone too)
  dupFds?: ReadonlyArray<readonly [number, number]>; // [from, to]: e.g. a log pipe onto 1
  cwd?: string | null;
  foregroundTtyFd: number | null; // make the child's group this terminal's foreground
}

export type SpawnResult =
  | { kind: 'spawned'; pid: number; foreground: 'in-spawn' | 'needs-parent' | 'none' }
  | { kind: 'failed'; errno: number };

export function hasSpawnTcsetpgrp(): boolean {
  return loadLibc().posix_spawn_file_actions_addtcsetpgrp_np !== null;
}

export function spawnProcess(req: SpawnRequest): SpawnResult {
  const c = loadLibc();
  const attr = Buffer.alloc(SPAWNATTR_BYTES);
  const actions = Buffer.alloc(FILE_ACTIONS_BYTES);
  check(c.posix_spawnattr_init(attr), 'posix_spawnattr_init');
  check(c.posix_spawn_file_actions_init(actions), 'posix_spawn_file_actions_init');
  try {
    let flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (req.session === 'group') flags |= POSIX_SPAWN_SETPGROUP;
    if (req.session === 'session') flags |= POSIX_SPAWN_SETSID;
    check(c.posix_spawnattr_setflags(attr, flags), 'posix_spawnattr_setflags');
    check(c.posix_spawnattr_setsigmask(attr, makeEmptySigset()), 'posix_spawnattr_setsigmask');
    check(c.posix_spawnattr_setsigdefault(attr, makeFullSigset()), 'posix_spawnattr_setsigdefault');
    check(c.posix_spawnattr_setpgroup(attr, 0), 'posix_spawnattr_setpgroup');
    for (const fd of req.passFds) {
      // glibc refuses a dup2 action for an fd at or above RLIMIT_NOFILE (EBADF),
      // and an inherited fd can be up there: clearing close-on-exec passes it too.
      if (fd > 2) clearCloexec(fd);
      else check(c.posix_spawn_file_actions_adddup2(actions, fd, fd), 'posix_spawn_file_actions_adddup2');
    }
    for (const [from, to] of req.dupFds ?? []) {
      check(c.posix_spawn_file_actions_adddup2(actions, from, to), 'posix_spawn_file_actions_adddup2');
    }
    if (req.cwd) {
      const chdir = c.posix_spawn_file_actions_addchdir_np;
      if (!chdir) return { kind: 'failed', errno: 38 }; // ENOSYS: this libc cannot chdir in posix_spawn
      check(chdir(actions, req.cwd), 'posix_spawn_file_actions_addchdir_np');
    }
    let foreground: 'in-spawn' | 'needs-parent' | 'none' = 'none';
    if (req.foregroundTtyFd !== null && req.session === 'group') {
      const add = c.posix_spawn_file_actions_addtcsetpgrp_np;
      if (add) {
        check(add(actions, req.foregroundTtyFd), 'posix_spawn_file_actions_addtcsetpgrp_np');
        foreground = 'in-spawn';
      } else {
        foreground = 'needs-parent';
      }
    }
    const pid = [0];
    const rc = c.posix_spawnp(pid, req.file, actions, attr, [...req.argv, null], [...req.envp, null]);
    if (rc !== 0) return { kind: 'failed', errno: rc };
    return { kind: 'spawned', pid: pid[0]!, foreground };
  } finally {
    c.posix_spawn_file_actions_destroy(actions);
    c.posix_spawnattr_destroy(attr);
  }
}

function check(rc: number, what: string): void {
  if (rc !== 0) throw new Error(`${what} failed with error ${rc}`);
}
