import { loadLibc } from './libc';

let names: Map<number, string> | null = null;

export function readErrno(): number {
  return loadLibc().koffi.errno();
}

export function nameErrno(errno: number): string {
  if (!names) {
    names = new Map();
    for (const [name, num] of Object.entries(loadLibc().koffi.os.errno)) {
      if (!names.has(num as number)) names.set(num as number, name);
    }
  }
  return names.get(errno) ?? `errno ${errno}`;
}

export const ENOENT = 2, ESRCH = 3, EINTR = 4, ENOEXEC = 8, ECHILD = 10, EACCES = 13,
  EPERM = 1, EISDIR = 21, ENOTTY = 25, ENOTDIR = 20, ELOOP = 40, ENAMETOOLONG = 36;
