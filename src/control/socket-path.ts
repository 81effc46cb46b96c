// Where the control socket lives: --socket / PIDONE_SOCKET, else /run/pidone.sock,
// else (a read-only root, a random UID) $XDG_RUNTIME_DIR or the temp dir.
import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOCKET_NAME = 'pidone.sock';

export function chooseSocketPath(env: Readonly<Record<string, string | undefined>>, explicit: string | null, isWritable = canWrite): string {
  if (explicit) return explicit;
  if (env.PIDONE_SOCKET) return env.PIDONE_SOCKET;
  if (isWritable('/run')) return join('/run', SOCKET_NAME);
  if (env.XDG_RUNTIME_DIR && isWritable(env.XDG_RUNTIME_DIR)) return join(env.XDG_RUNTIME_DIR, SOCKET_NAME);
  return join(env.TMPDIR || tmpdir(), SOCKET_NAME);
}

function canWrite(dir: string): boolean {
  try { accessSync(dir, constants.W_OK); return true; } catch { return false; }
}
