// pidone doctor against real PID 1s: sh, a bare node, tini, pidone itself, a
// PID 1 that never reaps (inspected from the host by its host pid), and a
// PID 1 whose pids cgroup is nearly full.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE, PIDONE, namespaceSkipReason, readChildren, sleep } from './harness';

const skip = namespaceSkipReason();
const UNSHARE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];
// each run's pidone gets its own control socket, as in the harness
let runCount = 0;
const env = (): NodeJS.ProcessEnv => ({ ...process.env, N: NODE, P: PIDONE, PIDONE_SOCKET: join(tmpdir(), `pidone-doctor-${process.pid}-${++runCount}.sock`) });

interface Report {
  pid: number; nsPid: number | null; isNamespaceInit: boolean; command: string; kind: string; name: string;
  sigterm: { disposition: string; dropped: boolean | null; why: string };
  sigint: { disposition: string; dropped: boolean | null; why: string };
  zombies: { count: number; scope: string; byParent: Array<{ ppid: number; parentCommand: string; pids: number[] }> };
  subreaper: { value: string; why: string };
  pids: { version: string | null; cgroup: string | null; current: number | null; max: number | 'max' | null; limit: { cgroup: string; current: number; max: number } | null };
  pidMax: number | null;
  verdict: { level: string; summary: string; advice: string[] };
  exitCode: number;
}

interface Ran { code: number | null; stdout: string; stderr: string }

function run(argv: string[]): Ran {
  const r = spawnSync(argv[0]!, argv.slice(1), { env: env(), encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function parse(r: Ran): Report {
  try {
    return JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`doctor did not print JSON (exit ${r.code}): stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`);
  }
}

// tini is a Debian package (.ci/run installs it): under CI a missing tini fails.
function tiniSkipReason(): string | false {
  if (skip) return skip;
  if (spawnSync('tini', ['--version']).status === 0) return false;
  if (process.env.CI === 'true') throw new Error('CI=true but tini is not installed (apt-get install -y tini)');
  process.stderr.write('skipping doctor-under-tini test: tini is not installed (apt-get install -y tini)\n');
  return 'tini is not installed';
}

describe('pidone doctor: PID 1 of a fresh namespace, doctor run inside it', { skip }, () => {
  test('sh as PID 1: a shell, bad, SIGTERM dropped; exit 4', () => {
    const r = run([...UNSHARE, 'sh', '-c', '"$N" "$P" doctor --json; exit $?']);
    const rep = parse(r);
    assert.equal(rep.pid, 1);
    assert.equal(rep.isNamespaceInit, true);
    assert.equal(rep.kind, 'shell');
    assert.equal(rep.name, 'sh');
    assert.match(rep.command, /^sh -c /);
    assert.equal(rep.sigterm.dropped, true);
    assert.equal(rep.sigterm.disposition, 'default');
    assert.equal(rep.verdict.level, 'bad');
    assert.match(rep.verdict.summary, /^PID 1 is sh: it reaps zombies but does not forward SIGTERM; put `pidone --` in ENTRYPOINT/);
    assert.equal(rep.zombies.count, 0);
    assert.equal(rep.zombies.scope, 'namespace');
    assert.equal(rep.subreaper.value, 'n/a');
    assert.ok(typeof rep.pidMax === 'number' && rep.pidMax > 0);
    assert.equal(rep.exitCode, 4);
    assert.equal(r.code, 4, r.stderr);
  });

  test('the text report: aligned facts, then the verdict', () => {
    const r = run([...UNSHARE, 'sh', '-c', '"$N" "$P" doctor; exit $?']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, /^pid: +1 \(PID 1 of its namespace\)$/m);
    assert.match(r.stdout, /^kind: +shell$/m);
    assert.match(r.stdout, /^SIGTERM: +DROPPED \(default\): /m);
    assert.match(r.stdout, /^zombies: +0$/m);
    assert.match(r.stdout, /^kernel\.pid_max: +\d+$/m);
    assert.match(r.stdout, /\n\nverdict: BAD: PID 1 is sh: it reaps zombies but does not forward SIGTERM; put `pidone --` in ENTRYPOINT/);
    assert.equal(r.stderr, '');
  });

  test('a bare node as PID 1: node, warn, SIGTERM dropped unless the app listens; exit 3', () => {
    const script = 'const r=require("child_process").spawnSync(process.execPath,[process.env.P,"doctor","--json"],{encoding:"utf8"});process.stdout.write(r.stdout);process.stderr.write(r.stderr);process.exit(r.status)';
    const r = run([...UNSHARE, NODE, '-e', script]);
    const rep = parse(r);
    assert.equal(rep.kind, 'node');
    assert.equal(rep.isNamespaceInit, true);
    // Node catches TERM itself and re-raises it with SIG_DFL when no JS listener exists:
    // /proc cannot tell the two apart, so doctor says "dropped unless the app listens".
    assert.equal(rep.sigterm.disposition, 'caught');
    assert.equal(rep.sigterm.dropped, null);
    assert.match(rep.sigterm.why, /process\.on\('SIGTERM'\)/);
    assert.equal(rep.verdict.level, 'warn');
    assert.match(rep.verdict.summary, /^PID 1 is node: SIGTERM is dropped unless the app listens for it/);
    assert.equal(r.code, 3, r.stderr);
  });

  test('tini as PID 1: ok, SIGTERM forwarded; exit 0', { skip: tiniSkipReason() }, () => {
    const r = run([...UNSHARE, 'tini', '--', 'sh', '-c', '"$N" "$P" doctor --json; exit $?']);
    const rep = parse(r);
    assert.equal(rep.kind, 'tini');
    assert.equal(rep.sigterm.dropped, false);
    assert.equal(rep.sigint.dropped, false);
    assert.equal(rep.verdict.level, 'ok');
    assert.match(rep.verdict.summary, /^PID 1 is tini: it reaps zombies and forwards signals$/);
    assert.ok(rep.verdict.advice.some((a) => /graceful stop of the whole tree/.test(a)));
    assert.equal(r.code, 0, r.stderr);
  });

  test('pidone as PID 1: ok, SIGTERM caught; exit 0', () => {
    const r = run([...UNSHARE, NODE, PIDONE, '--', NODE, PIDONE, 'doctor', '--json']);
    const rep = parse(r);
    assert.equal(rep.kind, 'pidone');
    assert.equal(rep.isNamespaceInit, true);
    assert.equal(rep.sigterm.disposition, 'caught');
    assert.equal(rep.sigterm.dropped, false);
    assert.equal(rep.sigint.dropped, false);
    assert.equal(rep.verdict.level, 'ok');
    assert.match(rep.verdict.summary, /^PID 1 is pidone: it reaps zombies, forwards signals and stops the whole process tree/);
    assert.equal(r.code, 0, r.stderr);
  });

  test('pidone not PID 1 (under a sh PID 1), inspected by pid: a subreaper', () => {
    const r = run([...UNSHARE, 'sh', '-c', '"$N" "$P" -- sh -c \'"$N" "$P" doctor --json $PPID\'; exit $?']);
    const rep = parse(r);
    assert.equal(rep.kind, 'pidone');
    assert.equal(rep.isNamespaceInit, false);
    assert.equal(rep.subreaper.value, 'yes');
    assert.equal(rep.zombies.scope, 'descendants');
    assert.equal(rep.verdict.level, 'ok');
    assert.equal(r.code, 0, r.stderr);
  });
});

// A namespace running in the background; its PID 1 is inspected from the host.
interface Background { proc: ChildProcess; stdout(): string; initPid(): number; stop(): Promise<void> }

function startBackground(argv: string[]): Background {
  const e = env();
  const proc = spawn(argv[0]!, argv.slice(1), { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.resume();
  const closed = new Promise<void>((r) => proc.on('close', () => r()));
  return {
    proc,
    stdout: () => out,
    initPid() {
      const kids = readChildren(proc.pid!); // unshare (a cgroup-joining sh execs it: same pid)
      if (kids.length === 0) throw new Error('the namespace has no PID 1 yet');
      return kids[0]!;
    },
    async stop() {
      try { proc.kill('SIGKILL'); } catch { /* gone */ } // --kill-child takes PID 1 and so the namespace with it
      await closed;
      rmSync(e.PIDONE_SOCKET!, { force: true }); // a SIGKILLed pidone cannot remove its socket
    },
  };
}

async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if (check()) return; } catch { /* not yet */ }
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function zombieChildren(pid: number): number[] {
  return readChildren(pid).filter((c) => {
    try { return /^State:\s+Z/m.test(readFileSync(`/proc/${c}/status`, 'utf8')); } catch { return false; }
  });
}

describe('pidone doctor PID, from the host', { skip }, () => {
  test('a PID 1 that never reaps: zombies counted, with their parent', async () => {
    // sh leaves two orphans to PID 1, then becomes `sleep`, which never waits.
    const ns = startBackground([...UNSHARE, 'sh', '-c', '(sleep 0.05 &); (sleep 0.05 &); exec sleep 20']);
    try {
      await waitFor('two zombies under PID 1', () => zombieChildren(ns.initPid()).length === 2);
      const init = ns.initPid();
      const r = run([NODE, PIDONE, 'doctor', '--json', String(init)]);
      const rep = parse(r);
      assert.equal(rep.pid, init);
      assert.equal(rep.nsPid, 1);
      assert.equal(rep.isNamespaceInit, true);
      assert.equal(rep.kind, 'app');
      assert.equal(rep.command, 'sleep 20');
      assert.equal(rep.sigterm.dropped, true);
      assert.equal(rep.zombies.count, 2);
      assert.deepEqual(rep.zombies.byParent.map((g) => [g.ppid, g.parentCommand, g.pids.length]), [[init, 'sleep 20', 2]]);
      assert.equal(rep.verdict.level, 'bad');
      assert.match(rep.verdict.summary, /^PID 1 is sleep: SIGTERM will be dropped .* it does not reap orphans \(2 zombie\(s\) now\)/);
      assert.ok(rep.verdict.advice.some((a) => /^2 zombie\(s\), children of PID 1 \(sleep\): it does not wait for them$/.test(a)), rep.verdict.advice.join('\n'));
      assert.equal(r.code, 4, r.stderr);
    } finally {
      await ns.stop();
    }
  });

  test('pids.current close to pids.max warns, even under pidone', async (t) => {
    const cgroup = makePidsCgroup(200);
    if (typeof cgroup !== 'string') { t.skip(cgroup.skip); return; }
    const fill = 'i=0; while [ $i -lt 165 ]; do sleep 30 & i=$((i+1)); done; echo ready; wait';
    const ns = startBackground(['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, ...UNSHARE, NODE, PIDONE, '--grace', '1s', '--', 'sh', '-c', fill]);
    try {
      await waitFor('165 sleeps', () => ns.stdout().includes('ready'), 20_000);
      const r = run([NODE, PIDONE, 'doctor', String(ns.initPid()), '--json']);
      const rep = parse(r);
      assert.equal(rep.kind, 'pidone');
      assert.ok(rep.pids.cgroup?.endsWith(cgroup.slice(cgroup.lastIndexOf('/'))), JSON.stringify(rep.pids));
      assert.equal(rep.pids.max, 200);
      assert.ok((rep.pids.current ?? 0) >= 167, JSON.stringify(rep.pids));
      assert.equal(rep.pids.limit?.max, 200);
      assert.equal(rep.verdict.level, 'warn');
      assert.ok(rep.verdict.advice.some((a) => /^pids\.current \d+ of pids\.max 200 in cgroup .*: at the limit fork and new threads fail with EAGAIN/.test(a)), rep.verdict.advice.join('\n'));
      assert.equal(r.code, 3, r.stderr);
    } finally {
      await ns.stop();
      removeCgroup(cgroup);
    }
  });
});

describe('pidone doctor: arguments', { skip: existsSync(PIDONE) ? false : `${PIDONE} is missing; run npm run build` }, () => {
  test('no such process: one line, exit 2', () => {
    const r = run([NODE, PIDONE, 'doctor', '99999999']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'pidone: cannot inspect pid 99999999: no such process\n');
  });

  test('a bad argument: one line, exit 2', () => {
    for (const arg of ['nope', '--jsn', '0']) {
      const r = run([NODE, PIDONE, 'doctor', arg]);
      assert.equal(r.code, 2, arg);
      assert.equal(r.stdout, '', arg);
      assert.match(r.stderr, /^pidone: doctor: [^\n]+\n$/, arg);
    }
  });

  test('--help prints the usage on stdout, exit 0', () => {
    const r = run([NODE, PIDONE, 'doctor', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: pidone doctor \[PID\] \[--json\]/);
    assert.match(r.stdout, /0 ok, 3 warn, 4 bad, 2 bad argument/);
  });
});

// A fresh pids cgroup (v1 pids hierarchy, else v2), as the harness makes them.
function makePidsCgroup(max: number): string | { skip: string } {
  const v1 = '/sys/fs/cgroup/pids';
  const base = existsSync(join(v1, 'cgroup.procs')) ? v1 : '/sys/fs/cgroup';
  const dir = join(base, `pidone-doctor-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, 'pids.max'), String(max));
    return dir;
  } catch (err) {
    try { rmdirSync(dir); } catch { /* never made */ }
    const reason = `cannot make a pids cgroup under ${base}: ${(err as Error).message}`;
    if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
    process.stderr.write(`skipping the pids test: ${reason}\n`);
    return { skip: reason };
  }
}

function removeCgroup(dir: string): void {
  for (let i = 0; i < 100; i++) {
    try { rmdirSync(dir); return; } catch { spawnSync('sleep', ['0.05']); }
  }
}
