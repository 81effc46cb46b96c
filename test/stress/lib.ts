// Shared by the stress, fault and fuzz suite (npm run test:stress): the
// profile (quick or full), the compiled stress fixtures, a results file the
// runner turns into the README's reliability table, and small /proc readers.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { NODE, PIDONE, readChildren, ROOT, sleep } from '../e2e/harness';

export type ProfileName = 'quick' | 'full';

export interface Profile {
  name: ProfileName;
  loadSeconds: number;       // how long the services churn under load
  tailSeconds: number;       // churn alone after the rest of the work, to see RSS level off
  rssProbeAtSeconds: number; // when the first RSS sample is taken
  logLines: number;          // lines all loggers write together
  orphanBurst: number;       // orphans per burst
  orphanBursts: number;      // bursts per load test
  pureRuns: number;          // fast-check runs per in-process property
  cliRuns: number;           // real-binary runs with fuzzed argv
  configRuns: number;        // real-binary `pidone validate` runs with fuzzed files
  shellRuns: number;         // real-binary `pidone up` runs checking shell interpretation
}

const PROFILES: Record<ProfileName, Profile> = {
  quick: { name: 'quick', loadSeconds: 15, tailSeconds: 25, rssProbeAtSeconds: 5, logLines: 250_000, orphanBurst: 5000, orphanBursts: 2, pureRuns: 2000, cliRuns: 90, configRuns: 60, shellRuns: 4 },
  full: { name: 'full', loadSeconds: 60, tailSeconds: 30, rssProbeAtSeconds: 10, logLines: 1_000_000, orphanBurst: 5000, orphanBursts: 5, pureRuns: 10_000, cliRuns: 600, configRuns: 400, shellRuns: 20 },
};

export function currentProfile(): Profile {
  const asked = process.env.STRESS_PROFILE || 'full';
  if (asked !== 'quick' && asked !== 'full') throw new Error(`STRESS_PROFILE must be quick or full, not "${asked}"`);
  return PROFILES[asked];
}

export const PROFILE = currentProfile();

// fast-check's seed: fixed by STRESS_SEED to replay a run, else printed by the runner.
export const SEED = process.env.STRESS_SEED ? Number(process.env.STRESS_SEED) : Date.now() % 2_147_483_647;

export const STRESS_FIXTURES = join(ROOT, 'build', 'stress-fixtures');

export function stressFixture(name: string): string {
  return join(STRESS_FIXTURES, name);
}

// A copy of a file that user nobody can read and run: the checkout may sit
// under a 0700 directory (`mktemp -d`), which nobody cannot traverse.
let publicDir: string | null = null;
export function publicCopy(file: string): string {
  if (publicDir === null) {
    publicDir = mkdtempSync(join(tmpdir(), 'pidone-public-'));
    chmodSync(publicDir, 0o755);
  }
  const to = join(publicDir, basename(file));
  if (!existsSync(to)) {
    copyFileSync(file, to);
    chmodSync(to, 0o755);
  }
  return to;
}

export { NODE, PIDONE, ROOT };

// One line of JSON per fact, collected by scripts/run-stress.js into the table.
export function record(area: string, key: string, value: number | string | boolean, label?: string): void {
  const file = process.env.STRESS_RESULTS;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ area, key, value, label })}\n`);
}

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
}

export function readStat(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

// Resident set size in KiB, or null when the process is gone.
export function readRssKb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function listFds(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
  } catch {
    return [];
  }
}

export function readUid(pid: number): number[] {
  const m = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? m.slice(1).map(Number) : [];
}

// Every process below root (host pids), breadth first.
export function listTree(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const k of readChildren(p)) { out.push(k); queue.push(k); }
  }
  return out;
}

export function readComm(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

export function readCmdline(pid: number): string[] {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0'); } catch { return []; }
}

// Watches pidone's own children (host view) for zombies: how long the oldest
// one lived, and how many there were at once. A zombie of pidone is pidone's
// to reap; zombies of other parents are their parents' business.
export interface ZombieWatch {
  // maxAgeMs: between the first and last sample that saw the oldest zombie;
  // boundMs: maxAgeMs plus one sampling interval, an upper bound on its life.
  stop(): { maxAgeMs: number; boundMs: number; maxAtOnce: number; seen: number; samples: number };
}

export function watchZombies(pidonePid: number, everyMs = 100): ZombieWatch {
  const firstSeen = new Map<number, number>();
  let maxAgeMs = 0;
  let maxAtOnce = 0;
  let seen = 0;
  let samples = 0;
  const tick = (): void => {
    samples += 1;
    const now = performance.now();
    const zombies = new Set<number>();
    for (const kid of readChildren(pidonePid)) {
      const s = readStat(kid);
      if (s?.state === 'Z' && s.ppid === pidonePid) zombies.add(kid);
    }
    for (const z of zombies) if (!firstSeen.has(z)) { firstSeen.set(z, now); seen += 1; }
    for (const [pid, t] of firstSeen) {
      if (!zombies.has(pid)) { firstSeen.delete(pid); continue; }
      maxAgeMs = Math.max(maxAgeMs, now - t);
    }
    maxAtOnce = Math.max(maxAtOnce, zombies.size);
  };
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { maxAgeMs: Math.round(maxAgeMs), boundMs: Math.round(maxAgeMs) + everyMs, maxAtOnce, seen, samples };
    },
  };
}

// Zombies anywhere in a tree (host view), with their parents.
export function zombiesIn(root: number): ProcStat[] {
  return listTree(root).map(readStat).filter((s): s is ProcStat => s !== null && s.state === 'Z');
}

export interface BinaryRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

// Runs `node dist/pidone.js ARGS` outside any namespace, bounded in time: at
// the deadline its whole process group (it leads one: detached) is SIGKILLed.
export function runBinary(args: readonly string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; replaceEnv?: boolean } = {}): Promise<BinaryRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const env = opts.replaceEnv ? { ...opts.env } : { ...process.env, ...opts.env };
    const p = spawn(NODE, [PIDONE, ...args], { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ }
    }, opts.timeoutMs ?? 15_000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: performance.now() - started, timedOut });
    });
  });
}

// What a Node stack trace or an uncaught exception looks like on stderr.
export function looksLikeCrash(stderr: string): string | null {
  const lines = stderr.split('\n');
  for (const l of lines) {
    if (/^\s{4}at /.test(l)) return `stack frame: ${l}`;
    if (/^(\w*Error|Error):/.test(l)) return `error line: ${l}`;
    if (l.includes('node:internal')) return `node internals: ${l}`;
    if (/^Uncaught|^\s*\^$/.test(l)) return `uncaught: ${l}`;
    if (l.includes('Assertion failed') || l.includes('FATAL ERROR')) return `fatal: ${l}`;
  }
  return null;
}

export function cli(socket: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(NODE, [PIDONE, ...args], { encoding: 'utf8', env: { ...process.env, PIDONE_SOCKET: socket }, timeout: 10_000, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${ms}ms waiting for ${what}`);
}

export function countLines(text: string, re: RegExp): number {
  return (text.match(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)) ?? []).length;
}

// FNV-1a 32, as test/stress/fixtures/logger.c computes it.
export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

// A shell-quoted word for a sh -c script.
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// Waits until pidone's stdout so far matches re (the harness's waitForOutput
// takes exact text, and supervisor lines are padded to the longest name).
export async function waitForLine(run: { stdoutSoFar(): string }, re: RegExp, what = re.source, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (re.test(run.stdoutSoFar())) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${ms}ms waiting for ${what}; stdout so far: ${JSON.stringify(run.stdoutSoFar().slice(-3000))}`);
}

// The host pid of the process that has pid nsPid inside pidone's namespace.
export function hostPid(pidonePid: number, nsPid: number): number {
  for (const pid of [pidonePid, ...listTree(pidonePid)]) {
    try {
      const m = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
      const ids = m ? m[1]!.trim().split(/\s+/).map(Number) : [];
      if (ids[ids.length - 1] === nsPid && ids.length > 1) return pid;
    } catch { /* gone */ }
  }
  throw new Error(`no process with pid ${nsPid} in pidone's namespace`);
}

// argv prefix that closes every fd above 2 before running the rest, so a test
// does not depend on what fds the shell that started the suite left open.
export const CLOSE_EXTRA_FDS = ['bash', '-c', 'for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$@"', 'bash'];
