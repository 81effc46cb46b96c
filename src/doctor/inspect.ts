// pidone doctor: the facts about one process, read from /proc and /sys.
// Every parser is a pure function of the text it is given (unit-tested with
// fixture strings); the read* functions only fetch the text and never throw.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { listPids, readCommandLine, readProcInfo } from '../init/procfs';

// ---------------------------------------------------------------- parsers

export interface StatusFacts {
  name: string;
  state: string;        // the letter: R S D Z T ...
  ppid: number;
  nspid: number[];      // outermost (as seen by the reader) first, innermost last
  sigBlk: string;       // hex masks as the kernel prints them
  sigIgn: string;
  sigCgt: string;
}

export function parseStatus(text: string): StatusFacts {
  const field = (key: string): string => {
    const m = new RegExp(`^${key}:[ \\t]*(.*)$`, 'm').exec(text);
    return m ? m[1]!.trim() : '';
  };
  const nspid = field('NSpid').split(/\s+/).filter(Boolean).map(Number);
  return {
    name: field('Name'),
    state: field('State').charAt(0) || '?',
    ppid: Number(field('PPid') || NaN),
    nspid,
    sigBlk: field('SigBlk') || '0',
    sigIgn: field('SigIgn') || '0',
    sigCgt: field('SigCgt') || '0',
  };
}

// "0000000000004602" -> [2, 10, 11, 15]: bit N-1 is signal N.
export function decodeSigMask(hex: string): number[] {
  const clean = hex.trim();
  if (!/^[0-9a-fA-F]+$/.test(clean)) return [];
  let bits = BigInt(`0x${clean}`);
  const out: number[] = [];
  for (let sig = 1; bits !== 0n; sig++, bits >>= 1n) {
    if (bits & 1n) out.push(sig);
  }
  return out;
}

// NUL-separated argv. Trailing NULs are dropped: a process that rewrote its
// title (Node's process.title) pads the old argv area with them.
export function parseCmdline(raw: string): string[] {
  const trimmed = raw.replace(/\0+$/, '');
  return trimmed === '' ? [] : trimmed.split('\0');
}

// /proc/PID/cgroup: the path of the v1 pids hierarchy and of the v2 unified one.
export interface CgroupPaths {
  v1Pids: string | null;
  v2: string | null;
}

export function parseCgroupFile(text: string): CgroupPaths {
  let v1Pids: string | null = null;
  let v2: string | null = null;
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const id = line.slice(0, first);
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (id === '0' && controllers === '') v2 = path;
    else if (controllers.split(',').includes('pids')) v1Pids = path;
  }
  return { v1Pids, v2 };
}

// The cgroup mounts of /proc/self/mountinfo: where the v1 pids hierarchy and
// the v2 hierarchy are mounted, and which cgroup is the root of each mount.
export interface CgroupMount {
  version: 'v1' | 'v2';
  root: string;        // the cgroup shown at the mount point ("/" with a cgroup namespace)
  mountPoint: string;
}

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(' ');
    const right = line.slice(dash + 3).split(' ');
    const fstype = right[0];
    const root = unescapeMount(left[3] ?? '');
    const mountPoint = unescapeMount(left[4] ?? '');
    if (fstype === 'cgroup2') out.push({ version: 'v2', root, mountPoint });
    else if (fstype === 'cgroup' && (right[2] ?? '').split(',').includes('pids')) out.push({ version: 'v1', root, mountPoint });
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

// The directory of `cgroupPath` under a mount, or null when the mount does not show it.
export function cgroupDir(mount: CgroupMount, cgroupPath: string): string | null {
  const root = mount.root === '/' ? '' : mount.root;
  if (root !== '' && cgroupPath !== root && !cgroupPath.startsWith(`${root}/`)) return null;
  const rel = cgroupPath.slice(root.length).replace(/^\/+/, '');
  return rel === '' ? mount.mountPoint : `${mount.mountPoint.replace(/\/+$/, '')}/${rel}`;
}

// "max" or a number; null when the text is neither.
export function parsePidsValue(text: string | null): number | 'max' | null {
  if (text === null) return null;
  const t = text.trim();
  if (t === 'max') return 'max';
  return /^\d+$/.test(t) ? Number(t) : null;
}

// The union of the sigmask lines of the signalfd fdinfo files given.
export function parseSignalfdMasks(fdinfos: readonly string[]): number[] {
  const sigs = new Set<number>();
  for (const text of fdinfos) {
    const m = /^sigmask:\s*([0-9a-fA-F]+)/m.exec(text);
    if (m) for (const s of decodeSigMask(m[1]!)) sigs.add(s);
  }
  return [...sigs].sort((a, b) => a - b);
}

// ---------------------------------------------------------------- facts

export interface ZombieGroup {
  ppid: number;
  parentCommand: string;
  pids: number[];
}

export interface ZombieFacts {
  count: number;
  scope: 'namespace' | 'descendants'; // every process in /proc, or the target's subtree
  byParent: ZombieGroup[];
}

export interface PidsLevel {
  cgroup: string;
  current: number;
  max: number;
}

export interface PidsFacts {
  version: 'v1' | 'v2' | null;
  cgroup: string | null;       // as /proc/PID/cgroup names it
  current: number | null;      // pids.current of that cgroup (counts threads)
  max: number | 'max' | null;  // pids.max of that cgroup
  limit: PidsLevel | null;     // the tightest numeric pids.max on the way up to the mount root
  note: string | null;         // why something is missing
}

export interface ProcessFacts {
  pid: number;                 // as doctor sees it
  nsPid: number | null;        // in the process's own (innermost) PID namespace
  isNamespaceInit: boolean;
  argv: string[];
  comm: string;
  exe: string | null;          // readlink /proc/PID/exe; null when not allowed (another user's process)
  command: string;             // argv joined, or [comm]
  state: string;
  ppid: number;
  caught: number[];
  ignored: number[];
  blocked: number[];
  signalfd: number[] | null;   // signals read through a signalfd; null when fds are unreadable
  wchan: string | null;        // kernel function it sleeps in ("do_sigtimedwait", "do_wait", ...)
  tiniSubreaperEnv: boolean | null; // TINI_SUBREAPER set in its environment; null when unreadable
  zombies: ZombieFacts;
  pids: PidsFacts;
  pidMax: number | null;       // kernel.pid_max
  notes: string[];             // caveats about what could not be read
}

export type InspectResult =
  | { kind: 'ok'; facts: ProcessFacts }
  | { kind: 'error'; reason: string };

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

function errnoOf(path: string): string | null {
  try {
    readFileSync(path);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

export function inspectProcess(pid: number): InspectResult {
  const statusText = readText(`/proc/${pid}/status`);
  if (statusText === null) {
    const code = errnoOf(`/proc/${pid}/status`);
    if (readText('/proc/self/status') === null) return { kind: 'error', reason: '/proc is not mounted' };
    if (code === 'ENOENT' || code === 'ESRCH') return { kind: 'error', reason: 'no such process' };
    return { kind: 'error', reason: `cannot read /proc/${pid}/status (${code})` };
  }
  const status = parseStatus(statusText);
  const notes: string[] = [];
  const argv = parseCmdline(readFileSync0(`/proc/${pid}/cmdline`));
  const comm = (readText(`/proc/${pid}/comm`) ?? status.name).trim();
  const nsPid = status.nspid.length > 0 ? status.nspid[status.nspid.length - 1]! : null;
  if (nsPid === null) notes.push('this kernel has no NSpid in /proc/PID/status; "PID 1" means pid 1 as doctor sees it');
  const isNamespaceInit = nsPid === null ? pid === 1 : nsPid === 1;
  const procNote = checkProcMount();
  if (procNote) notes.push(procNote);
  const signalfd = readSignalfdMask(pid);
  const wchan = readText(`/proc/${pid}/wchan`);
  return {
    kind: 'ok',
    facts: {
      pid,
      nsPid,
      isNamespaceInit,
      argv,
      comm,
      exe: readLink(`/proc/${pid}/exe`),
      command: argv.length > 0 ? argv.join(' ') : `[${comm}]`,
      state: status.state,
      ppid: status.ppid,
      caught: decodeSigMask(status.sigCgt),
      ignored: decodeSigMask(status.sigIgn),
      blocked: decodeSigMask(status.sigBlk),
      signalfd,
      wchan: wchan === null || wchan.trim() === '' || wchan.trim() === '0' ? null : wchan.trim(),
      tiniSubreaperEnv: readEnvFlag(pid, 'TINI_SUBREAPER'),
      zombies: findZombies(pid),
      pids: readPids(pid),
      pidMax: parsePositive(readText('/proc/sys/kernel/pid_max')),
      notes,
    },
  };
}

function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

function readFileSync0(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function parsePositive(text: string | null): number | null {
  if (text === null || !/^\s*\d+\s*$/.test(text)) return null;
  return Number(text.trim());
}

// /proc mounted for another PID namespace (unshare --pid without --mount-proc)
// shows that namespace's PID 1, not ours.
function checkProcMount(): string | null {
  let self: string;
  try {
    self = readlinkSync('/proc/self');
  } catch {
    return null;
  }
  return Number(self) === process.pid ? null : `/proc belongs to another PID namespace (it calls doctor pid ${self}, not ${process.pid}); mount a fresh /proc to see this namespace's PID 1`;
}

// Signals it reads through a signalfd (catatonit, systemd): blocked, but not lost.
function readSignalfdMask(pid: number): number[] | null {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  const infos: string[] = [];
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:[signalfd]') continue;
    const info = readText(`/proc/${pid}/fdinfo/${fd}`);
    if (info !== null) infos.push(info);
  }
  return parseSignalfdMasks(infos);
}

function readEnvFlag(pid: number, name: string): boolean | null {
  const env = readText(`/proc/${pid}/environ`);
  if (env === null) return null;
  for (const entry of env.split('\0')) {
    if (entry.startsWith(`${name}=`)) return entry.length > name.length + 1;
  }
  return false;
}

// Zombies now: for the PID 1 of doctor's own namespace every process in /proc,
// otherwise the target's descendants (zombies of a process outside its tree are
// not its business). Grouped by the parent that has not waited for them.
function findZombies(target: number): ZombieFacts {
  const scope: ZombieFacts['scope'] = target === 1 ? 'namespace' : 'descendants';
  const infos = listPids().map(readProcInfo).filter((i): i is NonNullable<typeof i> => i !== null && !i.kernelThread);
  let inScope: Set<number> | null = null;
  if (scope === 'descendants') {
    const children = new Map<number, number[]>();
    for (const i of infos) {
      const list = children.get(i.ppid);
      if (list) list.push(i.pid); else children.set(i.ppid, [i.pid]);
    }
    inScope = new Set();
    const queue = [target];
    while (queue.length > 0) {
      for (const c of children.get(queue.pop()!) ?? []) {
        if (!inScope.has(c)) { inScope.add(c); queue.push(c); }
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (const i of infos) {
    if (i.state !== 'Z' || (inScope && !inScope.has(i.pid))) continue;
    const list = groups.get(i.ppid);
    if (list) list.push(i.pid); else groups.set(i.ppid, [i.pid]);
  }
  const byParent = [...groups].sort((a, b) => b[1].length - a[1].length || a[0] - b[0])
    .map(([ppid, pids]) => ({ ppid, parentCommand: readCommandLine(ppid), pids: pids.sort((a, b) => a - b) }));
  return { count: byParent.reduce((n, g) => n + g.pids.length, 0), scope, byParent };
}

function readPids(pid: number): PidsFacts {
  const cgText = readText(`/proc/${pid}/cgroup`);
  if (cgText === null) return emptyPids('cannot read /proc/PID/cgroup');
  const paths = parseCgroupFile(cgText);
  const mounts = parseCgroupMounts(readText('/proc/self/mountinfo') ?? '');
  // v1 pids controller first (on a hybrid host v2 holds no controllers); then v2.
  const candidates: Array<{ version: 'v1' | 'v2'; path: string; mounts: CgroupMount[] }> = [];
  if (paths.v1Pids !== null) {
    const ms = mounts.filter((m) => m.version === 'v1');
    candidates.push({ version: 'v1', path: paths.v1Pids, mounts: ms.length > 0 ? ms : [{ version: 'v1', root: '/', mountPoint: '/sys/fs/cgroup/pids' }] });
  }
  if (paths.v2 !== null) {
    const ms = mounts.filter((m) => m.version === 'v2');
    candidates.push({ version: 'v2', path: paths.v2, mounts: ms.length > 0 ? ms : [{ version: 'v2', root: '/', mountPoint: '/sys/fs/cgroup' }] });
  }
  if (candidates.length === 0) return emptyPids('no pids controller in /proc/PID/cgroup');
  let fallback: PidsFacts | null = null;
  for (const c of candidates) {
    for (const m of c.mounts) {
      const dir = cgroupDir(m, c.path);
      if (dir === null) continue;
      const facts = readPidsAt(c.version, c.path, dir, m.mountPoint);
      if (facts.current !== null || facts.max !== null) return facts;
      fallback ??= facts;
    }
  }
  return fallback ?? { ...emptyPids(`cgroup ${candidates[0]!.path} is not visible under the cgroup mounts here`), version: candidates[0]!.version, cgroup: candidates[0]!.path };
}

function readPidsAt(version: 'v1' | 'v2', cgroup: string, dir: string, mountPoint: string): PidsFacts {
  const current = parsePositive(readText(`${dir}/pids.current`));
  const max = parsePidsValue(readText(`${dir}/pids.max`));
  let limit: PidsLevel | null = null;
  let level = dir;
  let levelCgroup = cgroup;
  const stop = mountPoint.replace(/\/+$/, '');
  for (;;) {
    const cur = parsePositive(readText(`${level}/pids.current`));
    const mx = parsePidsValue(readText(`${level}/pids.max`));
    if (cur !== null && typeof mx === 'number' && (limit === null || cur / Math.max(mx, 1) > limit.current / Math.max(limit.max, 1))) {
      limit = { cgroup: levelCgroup || '/', current: cur, max: mx };
    }
    if (level === stop || level.length <= stop.length) break;
    level = level.slice(0, level.lastIndexOf('/'));
    levelCgroup = levelCgroup.slice(0, Math.max(levelCgroup.lastIndexOf('/'), 0));
  }
  let note: string | null = null;
  if (current === null && max === null) {
    note = cgroup === '/' ? 'the root cgroup has no pids.current or pids.max' : `no pids.current or pids.max in ${dir}`;
  }
  return { version, cgroup, current, max, limit, note };
}

function emptyPids(note: string): PidsFacts {
  return { version: null, cgroup: null, current: null, max: null, limit: null, note };
}
