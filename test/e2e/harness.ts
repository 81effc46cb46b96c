// Runs the built pidone as PID 1 of a fresh PID namespace (or as a subreaper
// under a shell PID 1) and collects what it did.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const PIDONE = join(ROOT, 'dist', 'pidone.js');
export const NODE = process.env.PIDONE_NODE ?? process.execPath;
export const FIXTURES = join(ROOT, 'build', 'fixtures');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

// Namespace tests need root and unshare. Outside CI they skip with a reason;
// under CI=true a missing capability is a failure, not a skip.
export function namespaceSkipReason(): string | false {
  const reason = findMissingCapability();
  if (reason && process.env.CI === 'true') throw new Error(`CI=true but end-to-end tests cannot run: ${reason}`);
  if (reason) process.stderr.write(`skipping end-to-end tests: ${reason}\n`);
  return reason ?? false;
}

let capability: string | null | undefined;
function findMissingCapability(): string | null {
  if (capability !== undefined) return capability;
  if (process.getuid?.() !== 0) capability = 'not root (unshare --pid needs it)';
  else if (!existsSync(PIDONE)) capability = `${PIDONE} is missing; run npm run build`;
  else if (!existsSync(fixture('sigrecord'))) capability = 'fixtures not built; run npm test (it compiles them with gcc)';
  else if (spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status !== 0) capability = 'unshare --pid --fork --mount-proc does not work here';
  else capability = null;
  return capability;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stdoutRaw: Buffer;
  stderr: string;
  ms: number;
}

export interface Running {
  proc: ChildProcess;
  done: Promise<RunResult>;
  stdoutSoFar(): string;
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  initPid(): number;   // host pid of the namespace's PID 1
  pidonePid(): number; // host pid of pidone: PID 1, or PID 1's child when run as a subreaper
  kill(signal: NodeJS.Signals | number): void; // signals pidone
}

export interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
  asSubreaper?: boolean;   // run under a bash PID 1 instead of as PID 1
  wrapper?: string[];      // argv prefix before unshare (e.g. a pty driver)
  stdin?: string | 'ignore' | 'closed';
  cgroupPidsMax?: number;  // run inside a fresh pids cgroup with this cap
}

let runCount = 0;

export function startPidone(args: string[], opts: RunOptions = {}): Running {
  const pidoneCmd = [NODE, PIDONE, ...args];
  let inner = opts.asSubreaper
    ? ['bash', '-c', 'trap "" TERM INT; "$@"; exit $?', 'bash', ...pidoneCmd]
    : pidoneCmd;
  inner = ['unshare', '--pid', '--fork', '--mount-proc', ...inner];
  let cgroup: string | null = null;
  if (opts.cgroupPidsMax !== undefined) {
    cgroup = makePidsCgroup(opts.cgroupPidsMax);
    inner = ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, ...inner];
  }
  const argv = [...(opts.wrapper ?? []), ...inner];
  const started = Date.now();
  const proc = spawn(argv[0]!, argv.slice(1), {
    // each run gets its own control socket, so runs never talk to each other's pidone
    env: { ...process.env, PIDONE_SOCKET: join(tmpdir(), `pidone-test-${process.pid}-${++runCount}.sock`), ...opts.env },
    stdio: [opts.stdin === 'ignore' || opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.stdin === 'closed') proc.stdin?.end();
  else if (typeof opts.stdin === 'string' && opts.stdin !== 'ignore') proc.stdin?.end(opts.stdin);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let waiters: Array<() => void> = [];
  proc.stdout!.on('data', (d: Buffer) => { out.push(d); for (const w of waiters) w(); });
  proc.stderr!.on('data', (d: Buffer) => err.push(d));
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const timer = setTimeout(() => { killTree(proc); }, timeoutMs);
  const done = new Promise<RunResult>((resolveDone) => {
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (cgroup) removeCgroup(cgroup);
      const stdoutRaw = Buffer.concat(out);
      resolveDone({ code, signal, stdoutRaw, stdout: stdoutRaw.toString(), stderr: Buffer.concat(err).toString(), ms: Date.now() - started });
    });
  });
  const stdoutSoFar = (): string => Buffer.concat(out).toString();
  return {
    proc,
    done,
    stdoutSoFar,
    waitForOutput(text, waitMs = 10_000) {
      return new Promise((res, rej) => {
        const check = (): boolean => {
          if (stdoutSoFar().includes(text)) { waiters = waiters.filter((w) => w !== check); clearTimeout(t); res(); return true; }
          return false;
        };
        const t = setTimeout(() => rej(new Error(`timed out waiting for "${text}"; stdout so far: ${JSON.stringify(stdoutSoFar())}, stderr: ${JSON.stringify(Buffer.concat(err).toString())}`)), waitMs);
        if (!check()) waiters.push(check);
      });
    },
    initPid() {
      return findNamespaceInit(proc.pid!);
    },
    pidonePid() {
      const init = findNamespaceInit(proc.pid!);
      if (!opts.asSubreaper) return init;
      for (let i = 0; i < 200; i++) {
        const kids = readChildren(init);
        if (kids.length > 0) return kids[0]!;
        spawnSync('sleep', ['0.01']);
      }
      throw new Error('pidone did not start under the bash PID 1');
    },
    kill(signal) {
      process.kill(this.pidonePid(), signal);
    },
  };
}

export function runPidone(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return startPidone(args, opts).done;
}

// The unshare process may sit under a wrapper; its forked child is PID 1 inside.
function findNamespaceInit(rootPid: number): number {
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (readComm(pid) === 'unshare') {
      const kids = readChildren(pid);
      if (kids.length > 0) return kids[0]!;
    }
    queue.push(...readChildren(pid));
  }
  throw new Error(`no namespace init found under ${rootPid}`);
}

export function readChildren(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function readComm(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

function killTree(proc: ChildProcess): void {
  const all: number[] = [];
  const queue = [proc.pid!];
  while (queue.length > 0) {
    const p = queue.shift()!;
    all.push(p);
    queue.push(...readChildren(p));
  }
  for (const p of all.reverse()) {
    try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  }
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pidone-test-'));
}

const PIDS_V1 = '/sys/fs/cgroup/pids';
function makePidsCgroup(max: number): string {
  const base = existsSync(join(PIDS_V1, 'cgroup.procs')) ? PIDS_V1 : '/sys/fs/cgroup';
  const dir = join(base, `pidone-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'pids.max'), String(max));
  return dir;
}

function removeCgroup(dir: string): void {
  for (let i = 0; i < 50; i++) {
    try { rmdirSync(dir); return; } catch { spawnSync('sleep', ['0.05']); }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function nodeMajor(): number {
  const r = spawnSync(NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return Number(r.stdout.trim().split('.')[0]);
}
