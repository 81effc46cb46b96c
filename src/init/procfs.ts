// Reads of /proc: who descends from pidone, and what each process is.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  kernelThread: boolean;
}

const PF_KTHREAD = 0x00200000;

export function readProcInfo(pid: number): ProcInfo | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // comm may contain spaces and parentheses: the fields after the last ')' are fixed.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, state: rest[0] ?? '?', ppid: Number(rest[1]), kernelThread: (Number(rest[6]) & PF_KTHREAD) !== 0 };
}

export function listPids(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(n));
  }
  return pids;
}

// Every live process below `root` in the parent tree (zombies included).
export function listDescendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of listPids()) {
    const info = readProcInfo(pid);
    if (!info) continue;
    const list = children.get(info.ppid);
    if (list) list.push(pid); else children.set(info.ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

export function readCommandLine(pid: number): string {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const text = raw.replace(/\0+$/, '').split('\0').join(' ');
    if (text) return text.length > 120 ? `${text.slice(0, 117)}...` : text;
    return `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`;
  } catch {
    return '?';
  }
}

// The raw bytes of our own argv and environment, so the child gets them byte
// for byte even when they are not UTF-8. null when /proc is not mounted.
export function readSelfRaw(file: 'cmdline' | 'environ'): Buffer[] | null {
  let raw: Buffer;
  try {
    raw = readFileSync(`/proc/self/${file}`);
  } catch {
    return null;
  }
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) {
      out.push(raw.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < raw.length) out.push(Buffer.concat([raw.subarray(start), Buffer.from([0])]));
  return out;
}

// fds >= 3 that pidone inherited. Node marks them close-on-exec at start-up
// (libuv's uv_disable_stdio_inheritance), so they must be handed on explicitly.
// Node's own fds are left out: anon inodes (epoll, eventfd, io_uring) and
// pipes whose two ends are both open here. Node's threads open and close fds
// while it starts (cgroup files, for one), so a candidate only counts if
// confirmInheritedFds() finds the same object under the same fd later.
export type FdTargets = ReadonlyMap<number, string>;

export function listInheritedFds(): FdTargets {
  const targets = readFdTargets();
  const pipeCount = new Map<string, number>();
  for (const t of targets.values()) {
    if (t.startsWith('pipe:')) pipeCount.set(t, (pipeCount.get(t) ?? 0) + 1);
  }
  const out = new Map<number, string>();
  for (const [fd, t] of targets) {
    if (t.startsWith('anon_inode:') || t.startsWith('/proc/') || t.startsWith('/sys/')) continue;
    if (t.startsWith('pipe:') && pipeCount.get(t)! > 1) continue;
    out.set(fd, t);
  }
  return out;
}

export function confirmInheritedFds(candidates: FdTargets): number[] {
  const now = readFdTargets();
  return [...candidates].filter(([fd, t]) => now.get(fd) === t).map(([fd]) => fd).sort((a, b) => a - b);
}

function readFdTargets(): Map<number, string> {
  const targets = new Map<number, string>();
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    return targets;
  }
  for (const n of names) {
    const fd = Number(n);
    if (fd < 3) continue;
    try {
      targets.set(fd, readlinkSync(`/proc/self/fd/${n}`));
    } catch {
      // the fd readdir itself used, already closed
    }
  }
  return targets;
}
