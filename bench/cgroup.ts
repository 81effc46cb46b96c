// A pids cgroup per reaping run, so an init that falls behind can never eat
// the machine's PID table (32768, shared with everyone). cgroup v1 (a "pids"
// hierarchy) or v2 with the pids controller enabled for our own cgroup.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killPid, sleepSync } from './processes';

export interface PidsCgroup {
  dir: string;
  procsFile: string;
  version: 1 | 2;
}

export type CgroupSupport =
  | { kind: 'available'; parent: string; version: 1 | 2 }
  | { kind: 'missing'; reason: string };

const created = new Set<string>();
let serial = 0;

export function findPidsCgroupParent(): CgroupSupport {
  const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v1Line = own.find((l) => /^\d+:([^:]*,)?pids(,[^:]*)?:/.test(l));
  if (v1Line && existsSync('/sys/fs/cgroup/pids')) {
    const rel = v1Line.split(':').slice(2).join(':');
    const parent = join('/sys/fs/cgroup/pids', rel);
    if (existsSync(parent)) return { kind: 'available', parent, version: 1 };
  }
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    const v2Line = own.find((l) => l.startsWith('0::'));
    const parent = join('/sys/fs/cgroup', v2Line ? v2Line.slice(3) : '/');
    const enabled = readOrEmpty(join(parent, 'cgroup.subtree_control')).split(/\s+/);
    if (enabled.includes('pids')) return { kind: 'available', parent, version: 2 };
    return { kind: 'missing', reason: `cgroup v2 without the pids controller enabled in ${parent}/cgroup.subtree_control` };
  }
  return { kind: 'missing', reason: 'no pids cgroup controller (neither /sys/fs/cgroup/pids nor cgroup v2 pids)' };
}

export function makePidsCgroup(support: { parent: string; version: 1 | 2 }, name: string, pidsMax: number): PidsCgroup {
  const dir = join(support.parent, name);
  mkdirSync(dir);
  created.add(dir);
  writeFileSync(join(dir, 'pids.max'), `${pidsMax}\n`);
  return { dir, procsFile: join(dir, 'cgroup.procs'), version: support.version };
}

// A fresh cgroup named so that removeStalePidsCgroups() recognises it.
export function makeBenchPidsCgroup(support: { parent: string; version: 1 | 2 }, pidsMax: number): PidsCgroup {
  serial += 1;
  return makePidsCgroup(support, `pidone-bench-${process.pid}-${serial}`, pidsMax);
}

// pids.peak exists on recent kernels (v1 and v2); null where it does not.
export function readPidsPeak(cg: PidsCgroup): number | null {
  const text = readOrEmpty(join(cg.dir, 'pids.peak')).trim();
  return text === '' ? null : Number(text);
}

// Kill whatever is left inside, then remove the directory. Synchronous so it
// can run from process.on('exit').
export function removePidsCgroup(dir: string): boolean {
  for (let attempt = 0; attempt < 100; attempt++) {
    const pids = readOrEmpty(join(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
    for (const pid of pids) killPid(pid);
    try {
      rmdirSync(dir);
      created.delete(dir);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') { created.delete(dir); return true; }
      sleepSync(20);
    }
  }
  return false;
}

// Cgroups of an earlier bench that was SIGKILLed (its pid is gone).
export function removeStalePidsCgroups(parent: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    const m = /^pidone-bench-(\d+)-\d+$/.exec(name);
    if (!m || existsSync(`/proc/${m[1]}`)) continue;
    if (removePidsCgroup(join(parent, name))) removed.push(name);
  }
  return removed;
}

export function removeAllPidsCgroups(): void {
  for (const dir of [...created]) removePidsCgroup(dir);
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
