// "Why you need an init": the same small HTTP app (demo/workload-server.js) run
// in a fresh PID namespace three times, with a different PID 1 each time: a
// shell, the app itself, and pidone. Each request leaves an orphaned worker
// behind; the demo counts zombies, then sends SIGTERM to the namespace's PID 1
// and times the stop. Every number printed is measured. Needs root (unshare).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import { constants as osConstants } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SERVER = path.join(ROOT, 'demo', 'workload-server.js');
const PIDONE = path.join(ROOT, 'dist', 'pidone.js');
const NODE = process.execPath;

const ROUNDS = 5;
const REQUESTS_PER_ROUND = 3;
const ROUND_GAP_MS = 450; // longer than a worker's 0.2 s life, so each sample sees the round's workers gone
const STOP_CAP_MS = 5000;
const READY_TIMEOUT_MS = 10000;
const KILL_WAIT_MS = 3000;

interface Setup {
  name: string;
  display: string;
  pid1: string[]; // the command that becomes PID 1 in the namespace
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  atMs: number;
}

interface RunResult {
  setup: Setup;
  orphans: number;
  failedRequests: number;
  zombieSamples: number[];
  sampleIntervalMs: number;
  sigtermReached: boolean;
  stopMs: number | null; // null: still running at the cap
  exit: Exit;
  leftInNamespace: number;
}

interface Namespace {
  unshare: ChildProcess;
  exited: Promise<Exit>;
  initPid: number | null; // host pid of the namespace's PID 1
}

const live = new Set<Namespace>();

const SETUPS: Setup[] = [
  {
    name: 'sh as PID 1',
    display: `sh -c 'node workload-server.js; echo'`,
    // The trailing "echo" keeps the shell from exec'ing node, so sh stays PID 1.
    pid1: ['sh', '-c', '"$0" "$1"; echo', NODE, SERVER],
  },
  {
    name: 'node as PID 1',
    display: 'node workload-server.js',
    pid1: [NODE, SERVER],
  },
  {
    name: 'pidone as PID 1',
    display: 'node dist/pidone.js -- node workload-server.js',
    pid1: [NODE, PIDONE, '--', NODE, SERVER],
  },
];

async function main(): Promise<number> {
  installCleanup();
  const problem = checkPrerequisites();
  if (problem) {
    process.stderr.write(`demo: ${problem}\n`);
    return 1;
  }
  printIntro();
  const results: RunResult[] = [];
  for (const setup of SETUPS) {
    process.stdout.write(`  running ${setup.name.padEnd(16)} ... `);
    const result = await runWorkload(setup);
    process.stdout.write(`${describeStop(result)}\n`);
    results.push(result);
  }
  process.stdout.write('\n');
  printTable(results);
  printExplanation(results);
  return 0;
}

function checkPrerequisites(): string | null {
  if (process.getuid?.() !== 0) return 'run me as root: unshare --pid needs it';
  if (!existsSync(PIDONE)) return `${PIDONE} is missing: run "npm run build" first`;
  if (!existsSync(SERVER)) return `${SERVER} is missing`;
  return null;
}

function printIntro(): void {
  const lines = [
    'Why you need an init: one HTTP app, run three times, each in a fresh PID namespace',
    '(unshare --pid --fork --mount-proc) with a different PID 1. Each request makes the app',
    `start a worker through "sh -c 'sleep 0.2 &'", orphaning it. ${ROUNDS} rounds of ${REQUESTS_PER_ROUND} requests,`,
    `then SIGTERM to the namespace's PID 1 (SIGKILL if still running after ${STOP_CAP_MS / 1000} s).`,
    '',
    ...SETUPS.map((s) => `  ${s.name.padEnd(16)} ${s.display}`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function runWorkload(setup: Setup): Promise<RunResult> {
  const unshare = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', ...setup.pid1], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = waitForExit(unshare);
  const ns: Namespace = { unshare, exited, initPid: null };
  live.add(ns);
  try {
    const stdoutLines: string[] = [];
    let stderrText = '';
    const closed = new Promise<void>((resolve) => unshare.on('close', () => resolve()));
    unshare.stderr!.on('data', (chunk: Buffer) => { stderrText += chunk.toString(); });
    const port = await waitForPort(unshare, stdoutLines, exited, () => stderrText);

    ns.initPid = await findNamespaceInit(unshare.pid!);
    const nsId = readNamespaceId(ns.initPid);

    const traffic = await sendTrafficAndSampleZombies(port, unshare.pid!);

    const termAt = performance.now();
    process.kill(ns.initPid, 'SIGTERM');
    let exit = await withTimeout(exited, STOP_CAP_MS);
    const stopMs = exit ? exit.atMs - termAt : null;
    if (!exit) {
      killNamespace(ns);
      exit = await withTimeout(exited, KILL_WAIT_MS);
      if (!exit) throw new Error(`unshare (pid ${unshare.pid}) survived SIGKILL`);
    }
    await withTimeout(closed, KILL_WAIT_MS); // let the last stdout lines arrive

    return {
      setup,
      orphans: traffic.orphans,
      failedRequests: traffic.failedRequests,
      zombieSamples: traffic.samples,
      sampleIntervalMs: traffic.sampleIntervalMs,
      sigtermReached: stdoutLines.includes('got SIGTERM'),
      stopMs,
      exit,
      leftInNamespace: nsId === null ? 0 : await waitForEmptyNamespace(nsId),
    };
  } finally {
    killNamespace(ns);
    live.delete(ns);
  }
}

function waitForExit(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, atMs: performance.now() }));
  });
}

// Collects the app's stdout lines and resolves to the port it reports.
function waitForPort(child: ChildProcess, lines: string[], exited: Promise<Exit>, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => reject(new Error(`the app did not start within ${READY_TIMEOUT_MS / 1000} s\n${stderr()}`)), READY_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        const m = /^listening (\d+)$/.exec(line);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      }
    });
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`unshare exited early (${formatExit(e)})\n${stderr()}`));
    });
  });
}

async function findNamespaceInit(unsharePid: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const children = readFileText(`/proc/${unsharePid}/task/${unsharePid}/children`).trim();
    if (children) return Number(children.split(/\s+/)[0]);
    await sleep(10);
  }
  throw new Error(`unshare (pid ${unsharePid}) has no child`);
}

async function sendTrafficAndSampleZombies(port: number, unsharePid: number): Promise<{ orphans: number; failedRequests: number; samples: number[]; sampleIntervalMs: number }> {
  const samples = [countZombiesBelow(unsharePid)];
  const sampleTimes = [performance.now()];
  let orphans = 0;
  let failedRequests = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const roundStart = performance.now();
    const replies = await Promise.all(Array.from({ length: REQUESTS_PER_ROUND }, () => requestOrphans(port)));
    for (const r of replies) {
      if (r === null) failedRequests += 1;
      else orphans += r;
    }
    await sleep(Math.max(0, ROUND_GAP_MS - (performance.now() - roundStart)));
    samples.push(countZombiesBelow(unsharePid));
    sampleTimes.push(performance.now());
  }
  const sampleIntervalMs = (sampleTimes[sampleTimes.length - 1]! - sampleTimes[0]!) / (sampleTimes.length - 1);
  return { orphans, failedRequests, samples, sampleIntervalMs };
}

// One request; resolves to the number of orphans the app reports, or null on failure.
function requestOrphans(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve(parseOrphans(body)));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

function parseOrphans(body: string): number | null {
  try {
    const n = (JSON.parse(body) as { orphans?: unknown }).orphans;
    return typeof n === 'number' ? n : null;
  } catch {
    return null;
  }
}

// Zombies anywhere below the unshare process, read from the host's /proc.
function countZombiesBelow(root: number): number {
  const table = readProcessTable();
  const children = new Map<number, number[]>();
  for (const [pid, info] of table) {
    const list = children.get(info.ppid);
    if (list) list.push(pid); else children.set(info.ppid, [pid]);
  }
  let zombies = 0;
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (table.get(child)?.state === 'Z') zombies += 1;
      queue.push(child);
    }
  }
  return zombies;
}

function readProcessTable(): Map<number, { ppid: number; state: string }> {
  const table = new Map<number, { ppid: number; state: string }>();
  for (const pid of listPids()) {
    const stat = readFileText(`/proc/${pid}/stat`);
    if (!stat) continue;
    // comm may contain spaces and parentheses: the fields after the last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.set(pid, { state: fields[0] ?? '?', ppid: Number(fields[1]) });
  }
  return table;
}

function listPids(): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

function readNamespaceId(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

function countProcessesInNamespace(nsId: string): number {
  return listPids().filter((pid) => readNamespaceId(pid) === nsId).length;
}

// A SIGKILLed unshare can exit before the kernel has finished tearing its
// namespace down, so give the teardown a moment before counting leftovers.
async function waitForEmptyNamespace(nsId: string): Promise<number> {
  const deadline = performance.now() + KILL_WAIT_MS;
  let left = countProcessesInNamespace(nsId);
  while (left > 0 && performance.now() < deadline) {
    await sleep(20);
    left = countProcessesInNamespace(nsId);
  }
  return left;
}

// SIGKILL to a namespace's PID 1 makes the kernel kill everything in it. It is
// sent only while unshare is unreaped: until then that pid cannot have been
// reused. unshare is killed too because, when its child dies of SIGKILL,
// util-linux 2.38 exits 1 ("sigprocmask unblock failed") instead of passing
// SIGKILL on; --kill-child covers the case where unshare dies first.
function killNamespace(ns: Namespace): void {
  if (ns.unshare.exitCode !== null || ns.unshare.signalCode !== null) return;
  if (ns.initPid !== null) {
    try { process.kill(ns.initPid, 'SIGKILL'); } catch { /* already gone */ }
  }
  ns.unshare.kill('SIGKILL');
}

function installCleanup(): void {
  process.on('exit', () => { for (const ns of live) killNamespace(ns); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => { void stopAllAndExit(128 + (osConstants.signals[sig] ?? 0)); });
  }
}

// Waits for each killed unshare, so none is left behind as a zombie.
async function stopAllAndExit(code: number): Promise<never> {
  process.stdout.write('\ninterrupted: killing the demo\'s namespaces\n');
  await Promise.all([...live].map((ns) => {
    killNamespace(ns);
    return withTimeout(ns.exited, KILL_WAIT_MS);
  }));
  process.exit(code);
}

function printTable(results: RunResult[]): void {
  const interval = average(results.map((r) => r.sampleIntervalMs)) / 1000;
  const rows: string[][] = [
    ['', ...results.map((r) => r.setup.name)],
    ['orphaned workers made', ...results.map(describeOrphans)],
    [`zombies, every ${interval.toFixed(2)} s`, ...results.map((r) => r.zombieSamples.join(' → '))],
    ['SIGTERM reached the app', ...results.map((r) => (r.sigtermReached ? 'yes' : 'no'))],
    ['stop after SIGTERM', ...results.map(describeStop)],
    ['exit code (via unshare)', ...results.map((r) => formatExit(r.exit))],
    ['processes left over', ...results.map((r) => String(r.leftInNamespace))],
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  for (const row of rows) {
    process.stdout.write(`${row.map((cell, col) => cell.padEnd(widths[col]!)).join('   ').trimEnd()}\n`);
  }
  process.stdout.write('\n');
}

function describeOrphans(r: RunResult): string {
  return r.failedRequests > 0 ? `${r.orphans} (${r.failedRequests} requests failed)` : String(r.orphans);
}

function describeStop(r: RunResult): string {
  if (r.stopMs === null) return `did not stop (still running after ${STOP_CAP_MS / 1000} s)`;
  return `${(r.stopMs / 1000).toFixed(2)} s`;
}

function formatExit(e: Exit): string {
  if (e.code !== null) return String(e.code);
  const signum = e.signal ? osConstants.signals[e.signal] : undefined;
  return signum === undefined ? `killed by ${e.signal ?? '?'}` : `${128 + signum} (${e.signal})`;
}

// Built from the measurements, so it cannot claim what did not happen.
function printExplanation(results: RunResult[]): void {
  const verdicts = results.map((r) => {
    const zombiesAtEnd = r.zombieSamples[r.zombieSamples.length - 1] ?? 0;
    const reaping = zombiesAtEnd === 0 ? 'reaped every orphan' : `left ${zombiesAtEnd} zombies`;
    const signal = r.sigtermReached ? 'SIGTERM reached the app' : 'SIGTERM never reached the app';
    return `${r.setup.name.replace(' as PID 1', '')} ${reaping}, ${signal}`;
  });
  const why = 'Why: orphans are re-parented to PID 1 and stay zombies until PID 1 waits for them, and the kernel ' +
    'drops a signal sent to a namespace\'s PID 1 unless PID 1 has a handler for it; an app below PID 1 hears ' +
    'SIGTERM only if PID 1 passes it on.';
  process.stdout.write(`${wrapText(`Measured: ${verdicts.join('; ')}.`)}\n${wrapText(why)}\n`);
}

function wrapText(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) { lines.push(line); line = word; }
    else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

function average(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function readFileText(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return '';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    void p.then((v) => { clearTimeout(timer); resolve(v); });
  });
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    for (const ns of live) killNamespace(ns);
    process.exitCode = 1;
  },
);
