// Every process the bench starts goes through here, so that all of them can be
// killed on the way out, whatever happens. Namespaces are started with
// `unshare --kill-child` and the C helpers tie their children with
// PR_SET_PDEATHSIG, so SIGKILL to a process we started takes its tree with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface LiveProcess {
  pid: number;
  exited: Promise<RunResult>;
  kill(): void;
}

const live = new Set<ChildProcess>();
const extraPids = new Set<number>(); // init host pids found in /proc
let tiePrefix: readonly string[] = [];

// A command (`launch tie`) that makes what follows die with us even if we are
// SIGKILLed and no exit handler runs. Set once the helpers are built.
export function tieChildrenWith(prefix: readonly string[]): void {
  tiePrefix = prefix;
}

export function startProcess(command: readonly string[], timeoutMs: number): LiveProcess {
  const argv = [...tiePrefix, ...command];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  const exited = new Promise<RunResult>((resolve) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}${err.message}\n`, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
  return {
    pid: child.pid ?? -1,
    exited,
    kill: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); },
  };
}

export function runCommand(argv: readonly string[], timeoutMs: number): Promise<RunResult> {
  return startProcess(argv, timeoutMs).exited;
}

export function describeFailure(what: string, r: RunResult): string {
  const how = r.timedOut ? 'timed out' : r.signal ? `was killed by ${r.signal}` : `exited with ${r.code}`;
  const err = r.stderr.trim().split('\n').slice(-3).join(' / ');
  return `${what} ${how}${err ? `: ${err}` : ''}`;
}

export function trackPid(pid: number): void {
  extraPids.add(pid);
}

export function untrackPid(pid: number): void {
  extraPids.delete(pid);
}

export function killPid(pid: number): void {
  try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
}

// Synchronous, so it can run from process.on('exit').
export function killEverything(): void {
  for (const pid of extraPids) killPid(pid);
  extraPids.clear();
  for (const child of live) {
    if (child.pid !== undefined) killPid(child.pid);
  }
}

export function readChildPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// The first child of `pid` (the init under unshare, the child under the init).
export async function waitForChild(pid: number, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [first] = readChildPids(pid);
    if (first !== undefined) return first;
    await sleep(2);
  }
  return null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// "KEY value" lines (and "RESULT k=v k=v") from a helper's stdout.
export function parseKeyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+) (.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'RESULT') {
      for (const pair of m[2]!.split(' ')) {
        const eq = pair.indexOf('=');
        if (eq > 0) out.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    } else if (!out.has(m[1]!)) {
      out.set(m[1]!, m[2]!);
    }
  }
  return out;
}
