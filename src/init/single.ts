// Single-command mode: run one child, forward signals to it, reap everything,
// and on the way out stop what is left of the tree. Resolves to the exit code.
import { existsSync, fstatSync } from 'node:fs';
import { computeExitCode, type Ending, type WaitStatus } from '../core/exit-status';
import { formatDuration } from '../core/duration';
import { explainSpawnError } from '../core/spawn-errors';
import { isTerminatingSignal, nameSignal, SIGNALS, STOP_SIGNALS, translateSignal } from '../core/signals';
import type { RunOptions } from '../cli/args';
import type { Reply, Request } from '../control/protocol';
import { nameErrno } from '../sys/errno';
import { getPid, ignoreSignal, sendSignal, sendSignalToGroup, setChildSubreaper, setParentDeathSignal } from '../sys/process';
import { spawnProcess } from '../sys/spawn';
import { ownsForeground, setForegroundGroup } from '../sys/tty';
import { monotonicMs } from './clock';
import type { Logger } from './log';
import { guardInspector } from './inspector-guard';
import { confirmInheritedFds, type FdTargets } from './procfs';
import { makeReaper } from './reaper';
import { listenForSignals } from './signal-source';
import { makeTreeStop } from './tree-stop';

export interface ChildCommand {
  argv: Buffer[]; // NUL-terminated, byte-exact
  envp: Buffer[];
  display: string;
  inheritedFds: FdTargets; // fds >= 3 pidone was given, handed on to the child
}

type StopState =
  | { kind: 'running' }
  | { kind: 'stopping'; deadlineAt: number; timer: NodeJS.Timeout | null };

interface Child {
  pid: number;
  stopped: boolean;
  ending: Ending | null;
}

// Set once the child runs, so a crash of pidone itself can take it down first.
export let killChildOnCrash: (() => void) | null = null;

export async function runSingle(o: RunOptions, cmd: ChildCommand, log: Logger): Promise<number> {
  const selfPid = getPid();
  ignoreSignal(SIGNALS.SIGTTIN);
  ignoreSignal(SIGNALS.SIGTTOU);

  const reaper = makeReaper(log, o.warnOnReap);
  reaper.listen();

  let child: Child | null = null;
  let stop: StopState = { kind: 'running' };
  let treeStop: ReturnType<typeof makeTreeStop> | null = null;
  const early: number[] = [];
  let sigints = 0;
  const debugOn = log.enabled('debug');

  const signals = listenForSignals((signum) => {
    if (!child) { early.push(signum); return; }
    handleSignal(child, signum);
  });
  if (!signals.realtime) log.log('debug', 'real-time signals are not forwarded on this Node version');

  if (selfPid !== 1) {
    const r = setChildSubreaper();
    if (r.kind === 'ok') log.log('info', `not PID 1 (pid ${selfPid}): registered as child subreaper, so orphans of ${cmd.display} are reaped here`);
    else log.log('warn', `not PID 1 and cannot become a child subreaper (${nameErrno(r.errno)}): orphans will escape to the real PID 1`);
  }
  if (o.parentDeathSignal !== null) {
    const r = setParentDeathSignal(o.parentDeathSignal);
    if (r.kind === 'error') log.log('warn', `cannot set parent-death signal: ${nameErrno(r.errno)}`);
  }

  const useTty = o.session === 'group' && ownsForeground(0);
  const inherited = confirmInheritedFds(cmd.inheritedFds);
  if (inherited.length > 0 && log.enabled('debug')) {
    log.log('debug', `passing inherited fds: ${inherited.map((fd) => `${fd}=${cmd.inheritedFds.get(fd)}`).join(' ')}`);
  }
  const spawned = spawnProcess({
    file: cmd.argv[0]!,
    argv: cmd.argv,
    envp: cmd.envp,
    session: o.session,
    passFds: [...[0, 1, 2].filter(isOpenFd), ...inherited],
    foregroundTtyFd: useTty ? 0 : null,
  });
  if (spawned.kind === 'failed') {
    const name = nameErrno(spawned.errno);
    const file = cmd.argv[0]!.subarray(0, -1).toString();
    const why = explainSpawnError(name, file, existsSync(file));
    log.error(`cannot run '${file}': ${why.reason}`);
    signals.close();
    return why.exitCode;
  }
  const c: Child = { pid: spawned.pid, stopped: false, ending: null };
  child = c;
  killChildOnCrash = () => { sendSignalToGroup(c.pid, SIGNALS.SIGKILL); sendSignal(c.pid, SIGNALS.SIGKILL); };
  log.log('debug', `spawned child ${c.pid}: ${cmd.display}`);
  const keepAlive = setInterval(() => undefined, 1 << 30);

  const exited = new Promise<Ending>((resolve) => {
    reaper.track(c.pid, (status: WaitStatus) => {
      if (status.kind === 'stopped') {
        c.stopped = true;
        // musl has no posix_spawn tcsetpgrp: a child that touched the terminal
        // before the parent made it foreground is stopped by TTIN/TTOU; resume it.
        if (spawned.foreground === 'needs-parent' && (status.signum === SIGNALS.SIGTTIN || status.signum === SIGNALS.SIGTTOU)) {
          sendSignalToGroup(c.pid, SIGNALS.SIGCONT);
        }
        return;
      }
      if (status.kind === 'continued') { c.stopped = false; return; }
      c.ending = status;
      resolve(status);
    });
  });
  if (spawned.foreground === 'needs-parent') {
    const r = setForegroundGroup(0, c.pid);
    if (r.kind === 'error') log.log('debug', `cannot give the terminal to the child: ${nameErrno(r.errno)}`);
  }
  reaper.reapZombies();
  for (const signum of early.splice(0)) handleSignal(c, signum);
  guardInspector(log);
  const services = startServices(o, c, cmd.display, () => stop.kind !== 'running', log);

  function handleSignal(ch: Child, signum: number): void {
    if (signum === SIGNALS.SIGINT) sigints += 1;
    if (ch.ending) {
      if (sigints >= 2) treeStop?.hurry();
      return;
    }
    const out = translateSignal(signum, o.rewrites);
    if (out === null) {
      log.log('debug', `dropped ${nameSignal(signum)} (rewrite to 0)`);
      return;
    }
    forward(ch, out);
    if (STOP_SIGNALS.has(signum)) beginStop(ch, signum);
  }

  function forward(ch: Child, signum: number): void {
    const send = o.killProcessGroup ? sendSignalToGroup : sendSignal;
    const r = send(ch.pid, signum);
    if (r.kind === 'error') {
      log.log('debug', `cannot forward ${nameSignal(signum)} to ${ch.pid}: ${nameErrno(r.errno)}`);
      return;
    }
    if (debugOn) log.log('debug', `forwarded ${nameSignal(signum)} to ${o.killProcessGroup ? 'group' : 'child'} ${ch.pid}`);
    if (ch.stopped && isTerminatingSignal(signum)) send(ch.pid, SIGNALS.SIGCONT);
  }

  function beginStop(ch: Child, signum: number): void {
    const now = monotonicMs();
    if (stop.kind === 'stopping') {
      if (signum === SIGNALS.SIGINT && sigints >= 2) {
        log.log('info', 'second SIGINT: not waiting for the grace period');
        if (stop.timer) clearTimeout(stop.timer);
        stop = { kind: 'stopping', deadlineAt: now, timer: null };
        killMain(ch);
      }
      return;
    }
    stop = { kind: 'stopping', deadlineAt: now + o.graceMs, timer: null };
    if (o.graceMs === 0) { killMain(ch); return; }
    stop.timer = setTimeout(() => {
      log.log('info', `child ${ch.pid} still running after the ${formatDuration(o.graceMs)} grace period`);
      killMain(ch);
    }, o.graceMs);
  }

  function killMain(ch: Child): void {
    if (ch.ending) return;
    sendSignalToGroup(ch.pid, SIGNALS.SIGKILL);
    sendSignal(ch.pid, SIGNALS.SIGKILL);
    log.log('info', `sent SIGKILL to child ${ch.pid} and its process group`);
  }

  const ending = await exited;
  const stopAtExit = stop as StopState; // assigned by the signal handlers while we waited
  if (stopAtExit.kind === 'stopping' && stopAtExit.timer) clearTimeout(stopAtExit.timer);
  killChildOnCrash = null;
  const code = computeExitCode(ending, o.remapToZero);
  log.log('info', ending.kind === 'exited'
    ? `child ${c.pid} exited with code ${ending.code}`
    : `child ${c.pid} was killed by ${nameSignal(ending.signum)}`);

  if (o.treeStop) {
    treeStop = makeTreeStop(selfPid, reaper, log);
    const deadlineAt = stopAtExit.kind === 'stopping' ? stopAtExit.deadlineAt : monotonicMs() + o.graceMs;
    stop = { kind: 'stopping', deadlineAt, timer: null };
    await treeStop.run(deadlineAt);
  } else {
    reaper.reapZombies();
  }
  clearInterval(keepAlive);
  (await services).close();
  log.log('debug', `exiting with code ${code}`);
  return code;
}

// The control socket and health endpoint, started after the child so they cost
// the child's start-up nothing.
async function startServices(o: RunOptions, c: Child, display: string, stopping: () => boolean, log: Logger): Promise<{ close(): void }> {
  const startedAt = monotonicMs();
  const { chooseSocketPath } = await import('../control/socket-path');
  const { startLazyControlServer } = await import('../control/server');
  const describe = (): Extract<Reply, { kind: 'status' }> => ({
    ok: true, kind: 'status', mode: 'single', stopping: stopping(),
    services: [{
      name: display.split(' ')[0]!.split('/').pop()!, state: c.ending ? 'exited' : c.stopped ? 'stopped' : 'running',
      pid: c.ending ? null : c.pid, uptimeMs: c.ending ? null : monotonicMs() - startedAt, restarts: 0,
      lastExit: c.ending ? (c.ending.kind === 'exited' ? `code ${c.ending.code}` : nameSignal(c.ending.signum)) : null,
      ready: !c.ending && !c.stopped, required: true,
    }],
  });
  const handle = (req: Request): Reply => {
    switch (req.cmd) {
      case 'status': return describe();
      case 'ps': return { ok: true, kind: 'groups', initPid: process.pid, groups: [{ service: 'child', pgid: c.pid }] };
      case 'signal':
        if (c.ending) return { ok: false, error: 'the child has exited' };
        sendSignal(c.pid, req.signal);
        return { ok: true, kind: 'done', message: `sent signal ${req.signal} to ${c.pid}` };
      default: return { ok: false, error: `${req.cmd} needs supervisor mode (pidone up); single-command mode has one child` };
    }
  };
  const control = await startLazyControlServer(chooseSocketPath(process.env, o.socket), handle, log);
  let health: { close(): void } | null = null;
  if (o.healthPort !== null) {
    const { startHealthServer } = await import('../control/health');
    const { isHealthy } = await import('../control/protocol');
    health = await startHealthServer(o.healthHost, o.healthPort, () => isHealthy(describe()), log);
  }
  return { close() { control?.close(); health?.close(); } };
}

function isOpenFd(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}
