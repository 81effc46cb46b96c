// Starting one service: pipes for its stdout/stderr, the fd its readiness probe
// listens on, its environment, and, with user:, the exec-as helper that drops
// privileges and then becomes the service (same pid, so the one reaper keeps it).
import { openSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceConfig } from '../config/types';
import { nameErrno } from '../sys/errno';
import { bindDatagramSocket, closeFd, makePipe, makeSocketPair } from '../sys/fd';
import { spawnProcess } from '../sys/spawn';
import { explainSpawnError } from '../core/spawn-errors';
import { buildServiceEnv } from './env';
import type { ReadyChannel } from './readiness';
import { lookupIdentity } from './users';

export interface SpawnedService {
  kind: 'spawned';
  pid: number;
  stdoutFd: number;  // read ends, owned by the caller
  stderrFd: number;
  channel: ReadyChannel;
}

export type ServiceSpawn = SpawnedService | { kind: 'failed'; reason: string; exitCode: number };

const IPC_FD = 3;
let devNull: number | null = null;

export function spawnService(svc: ServiceConfig, makeRuntimeDir: () => string, selfArgv: readonly string[]): ServiceSpawn {
  const env = buildServiceEnv(process.env, svc.envFile, svc.env);
  if (env.kind === 'error') return { kind: 'failed', reason: env.reason, exitCode: 126 };
  let argv = svc.command;
  const childFds: number[] = [];   // our copies of what the child gets, closed after the spawn
  const dupFds: Array<[number, number]> = [];
  const keep = [0, 1, 2];
  const cleanup = (): void => { for (const fd of childFds) closeFd(fd); };

  const nul = openDevNull();
  if (nul.kind === 'error') return { kind: 'failed', reason: `cannot open /dev/null: ${nul.code}`, exitCode: 70 };
  const out = makePipe();
  const err = makePipe();
  if (out.kind === 'error' || err.kind === 'error') {
    if (out.kind === 'ok') { closeFd(out.value.read); closeFd(out.value.write); }
    if (err.kind === 'ok') { closeFd(err.value.read); closeFd(err.value.write); }
    return { kind: 'failed', reason: `cannot create log pipes: ${nameErrno(out.kind === 'error' ? out.errno : (err as { errno: number }).errno)}`, exitCode: 70 };
  }
  childFds.push(out.value.write, err.value.write);
  dupFds.push([nul.fd, 0], [out.value.write, 1], [err.value.write, 2]);

  let channel: ReadyChannel = { kind: 'none' };
  const probe = svc.ready?.probe;
  if (probe?.kind === 'ipc') {
    const pair = makeSocketPair();
    if (pair.kind === 'ok') {
      channel = { kind: 'ipc', fd: pair.value[0] };
      childFds.push(pair.value[1]);
      dupFds.push([pair.value[1], IPC_FD]);
      keep.push(IPC_FD);
      env.env.NODE_CHANNEL_FD = String(IPC_FD);
      env.env.NODE_CHANNEL_SERIALIZATION_MODE = 'json';
    }
  } else if (probe?.kind === 'notify-fd') {
    const p = makePipe();
    if (p.kind === 'ok') {
      channel = { kind: 'notify-fd', fd: p.value.read };
      childFds.push(p.value.write);
      dupFds.push([p.value.write, probe.fd]);
      keep.push(probe.fd);
    }
  } else if (probe?.kind === 'sd-notify') {
    let dir: string;
    try {
      dir = makeRuntimeDir();
    } catch (e) {
      cleanup(); closeFd(out.value.read); closeFd(err.value.read);
      return { kind: 'failed', reason: `cannot make a folder for the NOTIFY_SOCKET: ${(e as NodeJS.ErrnoException).code ?? String(e)}; set XDG_RUNTIME_DIR or TMPDIR to a writable folder`, exitCode: 70 };
    }
    const path = join(dir, `notify-${svc.name}-${process.hrtime.bigint()}.sock`);
    const s = bindDatagramSocket(path);
    if (s.kind === 'ok') {
      channel = { kind: 'sd-notify', fd: s.value, path };
      env.env.NOTIFY_SOCKET = path;
    }
  }

  if (svc.user !== null) {
    const id = lookupIdentity(svc.user, svc.group);
    if (id.kind === 'error') { cleanup(); closeFd(out.value.read); closeFd(err.value.read); return { kind: 'failed', reason: id.reason, exitCode: 126 }; }
    const { uid, gid, groups } = id.identity;
    argv = [selfArgv[0]!, selfArgv[1]!, 'exec-as', `${uid}:${gid}:${groups.join(',')}`, `--keep-fds=${keep.join(',')}`, '--', ...svc.command];
  }

  const spawned = spawnProcess({
    file: Buffer.from(`${argv[0]}\0`),
    argv: argv.map((a) => Buffer.from(`${a}\0`)),
    envp: Object.entries(env.env).map(([k, v]) => Buffer.from(`${k}=${v}\0`)),
    session: 'group',
    passFds: [],
    dupFds,
    cwd: svc.cwd,
    foregroundTtyFd: null,
  });
  cleanup();
  if (spawned.kind === 'failed') {
    closeFd(out.value.read);
    closeFd(err.value.read);
    if (channel.kind !== 'none') closeFd(channel.fd);
    const name = nameErrno(spawned.errno);
    if (name === 'ENOSYS') return { kind: 'failed', reason: 'this libc cannot set cwd: in posix_spawn (needs glibc >= 2.29 or musl >= 1.1.24)', exitCode: 126 };
    const why = explainSpawnError(name, argv[0]!, false);
    return { kind: 'failed', reason: `cannot run '${argv[0]}': ${why.reason}`, exitCode: why.exitCode };
  }
  return { kind: 'spawned', pid: spawned.pid, stdoutFd: out.value.read, stderrFd: err.value.read, channel };
}

export type DevNull = { kind: 'ok'; fd: number } | { kind: 'error'; code: string };

// Opened once and kept: it can fail (EMFILE), and that must be a spawn failure, not a crash.
export function openDevNull(): DevNull {
  if (devNull === null) {
    try {
      devNull = openSync('/dev/null', 'r+');
    } catch (e) {
      return { kind: 'error', code: (e as NodeJS.ErrnoException).code ?? String(e) };
    }
  }
  return { kind: 'ok', fd: devNull };
}
