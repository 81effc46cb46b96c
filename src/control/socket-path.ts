// Where the control socket lives: --socket / PIDONE_SOCKET, else /run/pidone.sock,
// else (a read-only root, a random UID) $XDG_RUNTIME_DIR or the temp dir.
// Plain string joins: node:os and node:path would cost PID 1 memory for this.
import { accessSync, constants } from 'node:fs';

export const SOCKET_NAME = 'pidone.sock';

export function chooseSocketPath(env: Readonly<Record<string, string | undefined>>, explicit: string | null, isWritable = canWrite): string {
  if (explicit) return explicit;
  if (env.PIDONE_SOCKET) return env.PIDONE_SOCKET;
  if (isWritable('/run')) return `/run/${SOCKET_NAME}`;
  if (env.XDG_RUNTIME_DIR && isWritable(env.XDG_RUNTIME_DIR)) return inDir(env.XDG_RUNTIME_DIR);
  return inDir(env.TMPDIR || env.TMP || env.TEMP || '/tmp'); // the order of os.tmpdir()
}

function inDir(dir: string): string {
  return `${dir.replace(/\/+$/, '')}/${SOCKET_NAME}`;
}

function canWrite(dir: string): boolean {
  try { accessSync(dir, constants.W_OK); return true; } catch { return false; }
}
