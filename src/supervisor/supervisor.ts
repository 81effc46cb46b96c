// Supervisor mode: several services from one config file, started in
// dependency order, restarted by policy, stopped in reverse order within one
// global deadline. Each service's life is the pure table in state.ts; this
// module only carries out its effects. Same reaper, spawn and tree stop as
// single-command mode.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, ServiceConfig } from '../config/types';
import { computeExitCode, type Ending } from '../core/exit-status';
import { formatDuration } from '../core/duration';
import { orderStop } from '../core/graph';
import { isTerminatingSignal, nameSignal, SIGNALS } from '../core/signals';
import { startControlServer } from '../control/server';
import { startHealthServer } from '../control/health';
import { isHealthy, type Reply, type Request } from '../control/protocol';
import { nameErrno } from '../sys/errno';
import { exitNow, getPid, ignoreSignal, sendSignal, sendSignalToGroup, setChildSubreaper } from '../sys/process';
import { spawnProcess } from '../sys/spawn';
import { guardInspector } from '../init/inspector-guard';
import { makeLogger, type Logger } from '../init/log';
import { makeReaper } from '../init/reaper';
import { listInheritedFds } from '../init/procfs';
import { isWritable, setCloexec } from '../sys/fd';
import { listenForSignals } from '../init/signal-source';
import { makeTreeStop } from '../init/tree-stop';
import { makeLogRouter } from './log-router';
import { checkOnce, closeChannel, startProbe, type ProbeHandle, type ReadyChannel } from './readiness';
import { openDevNull, spawnService } from './spawn-service';
import { transition, type Effect, type ServiceEvent, type ServiceState, type Timer } from './state';
import { isTerminal } from '../sys/tty';
import { monotonicMs } from '../init/clock';

interface Runtime {
  cfg: ServiceConfig;
  state: ServiceState;
  history: number[];
  currentDelayMs: number | null;
  timers: Map<Timer, NodeJS.Timeout>;
  probe: ProbeHandle | null;
  channel: ReadyChannel;
  lastEnding: Ending | null;
  restarts: number;
  health: NodeJS.Timeout | null;
}

type Phase =
  | { kind: 'running' }
  | { kind: 'stopping'; deadlineAt: number; exitCode: number | null }
  | { kind: 'done' };

const STOP_EVERYTHING_MS = 0;
const FLUSH_GRACE_MS = 1000;

export interface SupervisorOptions {
  selfArgv: readonly string[];   // how to re-run pidone itself (for exec-as)
  socketPath: string;
  healthPort: number | null;
  healthHost: string;
}

export async function runSupervisor(config: Config, plainLog: Logger, opts: SupervisorOptions): Promise<number> {
  const selfArgv = opts.selfArgv;
  // Once the log router exists, pidone's own diagnostics join the services'
  // stream in the same format (pure JSON lines in JSON mode).
  let route: ((message: string) => void) | null = null;
  const log = makeLogger(plainLog.verbosity, (message) => (route ? route(message) : plainLog.error(message)));
  const selfPid = getPid();
  ignoreSignal(SIGNALS.SIGTTIN);
  ignoreSignal(SIGNALS.SIGTTOU);
  closeInheritedFdsOnExec();
  const reaper = makeReaper(log, false);
  reaper.listen();
  if (selfPid !== 1) {
    const r = setChildSubreaper();
    if (r.kind === 'error') log.log('warn', `not PID 1 and cannot become a child subreaper (${nameErrno(r.errno)}): orphans will escape`);
  }
  const logs = makeLogRouter({
    format: config.logFormat,
    timestamps: config.logTimestamps,
    color: isTerminal(1) && !process.env.NO_COLOR,
    names: config.services.map((s) => s.name),
  });
  route = (message) => logs.event('pidone', message);
  // For sd_notify sockets, made on first use; unique even for many PID-1
  // pidones sharing one /tmp (each is pid 1).
  let runtimeDir: string | null = null;
  const makeRuntimeDir = (): string => (runtimeDir ??= mkdtempSync(join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), 'pidone-')));
  const runtimes = new Map<string, Runtime>(config.services.map((cfg) => [cfg.name, {
    cfg, state: { kind: 'waiting' }, history: [], currentDelayMs: null, timers: new Map(), probe: null,
    channel: { kind: 'none' }, lastEnding: null, restarts: 0, health: null,
  }]));
  const main = config.services.find((s) => s.main)?.name ?? null;
  let phase: Phase = { kind: 'running' };
  let sigints = 0;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => { finish = resolve; });
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const queue: Array<[Runtime, ServiceEvent]> = [];
  let draining = false;

  function dispatch(rt: Runtime, event: ServiceEvent): void {
    queue.push([rt, event]);
    if (draining) return;
    draining = true;
    try {
      while (queue.length > 0) {
        const [r, e] = queue.shift()!;
        const before = r.state.kind;
        const t = transition(r.cfg, r.state, e, { stopping: phase.kind !== 'running', history: r.history, currentDelayMs: r.currentDelayMs, nowMs: monotonicMs() });
        r.state = t.state;
        for (const effect of t.effects) runEffect(r, effect);
        if (before !== r.state.kind) afterStateChange(r);
      }
    } finally {
      draining = false;
    }
    checkProgress();
  }

  function runEffect(rt: Runtime, effect: Effect): void {
    switch (effect.kind) {
      case 'spawn': startService(rt); return;
      case 'probe-ready': {
        if (!rt.cfg.ready) return;
        rt.probe = startProbe(rt.cfg.ready, rt.channel, { runCheck }, () => dispatch(rt, { kind: 'ready', nowMs: monotonicMs() }));
        return;
      }
      case 'cancel-probe': rt.probe?.cancel(); rt.probe = null; return;
      case 'signal': {
        const pid = pidOf(rt.state);
        if (pid === null) return;
        sendSignalToGroup(pid, effect.signal);
        if (isTerminatingSignal(effect.signal)) sendSignalToGroup(pid, SIGNALS.SIGCONT);
        return;
      }
      case 'kill-group': {
        const pid = pidOf(rt.state);
        if (pid === null) return;
        sendSignalToGroup(pid, SIGNALS.SIGKILL);
        sendSignal(pid, SIGNALS.SIGKILL);
        logs.event(rt.cfg.name, `stop timeout: sent SIGKILL to process group ${pid}`);
        return;
      }
      case 'schedule': {
        clearTimeout(rt.timers.get(effect.timer));
        const fire = (): void => { rt.timers.delete(effect.timer); dispatch(rt, timerEvent(effect.timer)); };
        rt.timers.set(effect.timer, setTimeout(fire, Math.max(0, effect.atMs - monotonicMs())));
        return;
      }
      case 'cancel-timer': clearTimeout(rt.timers.get(effect.timer)); rt.timers.delete(effect.timer); return;
      case 'log': logs.event(rt.cfg.name, effect.message); return;
      case 'give-up':
        if (effect.action === 'stop-container') beginStop(`${rt.cfg.name} gave up`, effect.exitCode, 'graceful');
        return;
      case 'completed': return;
      case 'set-history': rt.history = effect.history; rt.currentDelayMs = effect.currentDelayMs; return;
    }
  }

  function startService(rt: Runtime): void {
    const r = spawnService(rt.cfg, makeRuntimeDir, selfArgv);
    if (r.kind === 'failed') {
      rt.lastEnding = { kind: 'exited', code: r.exitCode };
      queue.unshift([rt, { kind: 'spawn-failed', reason: r.reason, exitCode: r.exitCode }]);
      return;
    }
    rt.channel = r.channel;
    logs.attach(rt.cfg.name, 'stdout', r.stdoutFd);
    logs.attach(rt.cfg.name, 'stderr', r.stderrFd);
    reaper.track(r.pid, (status) => {
      if (status.kind !== 'exited' && status.kind !== 'signaled') return;
      rt.lastEnding = status;
      rt.probe?.cancel();
      rt.probe = null;
      closeChannel(rt.channel);
      rt.channel = { kind: 'none' };
      dispatch(rt, { kind: 'exited', ending: status, nowMs: monotonicMs() });
    });
    if (rt.state.kind === 'backoff') rt.restarts += 1;
    queue.unshift([rt, { kind: 'spawned', pid: r.pid, nowMs: monotonicMs() }]);
  }

  // exec readiness checks go through the same spawn and reaper as everything else.
  function runCheck(argv: string[], timeoutMs: number): Promise<boolean> {
    const nul = openDevNull();
    if (nul.kind === 'error') return Promise.resolve(false);
    const r = spawnProcess({
      file: Buffer.from(`${argv[0]}\0`), argv: argv.map((a) => Buffer.from(`${a}\0`)),
      envp: Object.entries(process.env).map(([k, v]) => Buffer.from(`${k}=${v ?? ''}\0`)),
      session: 'group', passFds: [], foregroundTtyFd: null,
      dupFds: [[nul.fd, 0], [nul.fd, 1], [nul.fd, 2]],
    });
    if (r.kind === 'failed') return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => { sendSignalToGroup(r.pid, SIGNALS.SIGKILL); }, timeoutMs);
      reaper.track(r.pid, (status) => {
        if (status.kind !== 'exited' && status.kind !== 'signaled') return;
        clearTimeout(t);
        resolve(status.kind === 'exited' && status.code === 0);
      });
    });
  }

  // health: checks while running; `retries` failures in a row restart the service.
  function watchHealth(rt: Runtime): void {
    const h = rt.cfg.health;
    if (rt.health) { clearTimeout(rt.health); rt.health = null; }
    if (!h || rt.state.kind !== 'running') return;
    let failures = 0;
    const pid = rt.state.pid;
    const tick = (): void => {
      void checkOnce(h.probe, { runCheck }, h.timeoutMs).then((ok) => {
        if (rt.state.kind !== 'running' || rt.state.pid !== pid) return;
        failures = ok ? 0 : failures + 1;
        if (failures >= h.retries) {
          rt.health = null;
          logs.event(rt.cfg.name, `health check failed ${failures} times in a row: restarting`);
          dispatch(rt, { kind: 'restart-requested' });
          return;
        }
        rt.health = setTimeout(tick, h.intervalMs);
      });
    };
    rt.health = setTimeout(tick, h.intervalMs);
  }

  function afterStateChange(rt: Runtime): void {
    watchHealth(rt);
    if (phase.kind !== 'running') return;
    const s = rt.state;
    if (rt.cfg.name === main && (s.kind === 'exited' || s.kind === 'failed')) {
      const code = rt.lastEnding ? computeExitCode(rt.lastEnding, new Set()) : 1;
      beginStop(`main service ${rt.cfg.name} ended`, code, 'graceful');
      return;
    }
    if (s.kind === 'exited' && !s.completed && rt.cfg.oneshot && blocksDependents(rt.cfg.name)) {
      const code = rt.lastEnding ? computeExitCode(rt.lastEnding, new Set()) : 1;
      beginStop(`${rt.cfg.name} did not complete successfully`, code, 'graceful');
    }
  }

  function firstFailureCode(): number {
    for (const rt of runtimes.values()) {
      const e = rt.lastEnding;
      if (e && (e.kind === 'signaled' || e.code !== 0)) return computeExitCode(e, new Set());
    }
    return 0;
  }

  function blocksDependents(name: string): boolean {
    return config.services.some((s) => s.dependsOn.some((d) => d.service === name));
  }

  function isMet(rt: Runtime): boolean {
    return rt.cfg.dependsOn.every((d) => {
      const dep = runtimes.get(d.service)!.state;
      switch (d.condition) {
        case 'started': return dep.kind === 'starting' || dep.kind === 'running' || (dep.kind === 'exited' && dep.completed);
        case 'ready': return dep.kind === 'running' || (dep.kind === 'exited' && dep.completed);
        case 'completed_successfully': return dep.kind === 'exited' && dep.completed;
      }
    });
  }

  // After every batch of events: start what can start, and advance a stop.
  function checkProgress(): void {
    if (phase.kind === 'running') {
      for (const rt of runtimes.values()) {
        if (rt.state.kind === 'waiting' && isMet(rt)) dispatch(rt, { kind: 'deps-met' });
      }
      if ([...runtimes.values()].every((rt) => isEnded(rt.state))) beginStop('every service has ended', firstFailureCode(), 'graceful');
      return;
    }
    if (phase.kind === 'stopping') advanceStop();
  }

  let stopWaves: string[][] = [];
  let stopStarted = new Set<string>();
  let globalTimer: NodeJS.Timeout | null = null;

  function beginStop(why: string, exitCode: number | null, speed: 'graceful' | 'fast'): void {
    if (phase.kind !== 'running') return;
    const deadlineAt = monotonicMs() + config.stopGraceMs;
    phase = { kind: 'stopping', deadlineAt, exitCode };
    logs.event('pidone', `stopping: ${why} (grace ${formatDuration(config.stopGraceMs)})`);
    const graph = config.services.map((s) => ({ name: s.name, dependsOn: s.dependsOn }));
    stopWaves = speed === 'fast' ? [config.services.map((s) => s.name)] : orderStop(graph);
    stopStarted = new Set();
    globalTimer = setTimeout(() => hurry('the stop_grace deadline passed'), config.stopGraceMs);
    advanceStop();
  }

  function isAlive(rt: Runtime): boolean {
    const k = rt.state.kind;
    return k === 'starting' || k === 'running' || k === 'stopping';
  }

  // Stop wave by wave: a wave starts once every service of the waves before it is down.
  function advanceStop(): void {
    if (phase.kind !== 'stopping') return;
    for (const wave of stopWaves) {
      for (const name of wave) {
        if (stopStarted.has(name)) continue;
        stopStarted.add(name);
        const rt = runtimes.get(name)!;
        const left = Math.max(0, phase.deadlineAt - monotonicMs());
        queue.push([rt, { kind: 'stop', nowMs: monotonicMs(), signal: rt.cfg.stopSignal, timeoutMs: Math.min(rt.cfg.stopTimeoutMs, left) }]);
      }
      if (queue.length > 0) { drainQueue(); }
      if (wave.some((n) => isAlive(runtimes.get(n)!))) return;
    }
    void finishStop();
  }

  function drainQueue(): void {
    if (draining || queue.length === 0) return;
    const [rt, e] = queue.shift()!;
    dispatch(rt, e);
  }

  function hurry(why: string): void {
    if (phase.kind !== 'stopping') return;
    logs.event('pidone', `${why}: killing what is left`);
    phase = { ...phase, deadlineAt: monotonicMs() + STOP_EVERYTHING_MS };
    for (const rt of runtimes.values()) {
      if (!stopStarted.has(rt.cfg.name)) {
        stopStarted.add(rt.cfg.name);
        queue.push([rt, { kind: 'stop', nowMs: monotonicMs(), signal: rt.cfg.stopSignal, timeoutMs: 0 }]);
      }
      if (rt.state.kind === 'stopping') queue.push([rt, { kind: 'stop-deadline' }]);
    }
    drainQueue();
  }

  let finishing = false;
  async function finishStop(): Promise<void> {
    if (finishing || phase.kind !== 'stopping') return;
    finishing = true;
    if (globalTimer) clearTimeout(globalTimer);
    const deadlineAt = phase.deadlineAt;
    const exitCode = phase.exitCode ?? computeCleanExit();
    // Whatever the services left behind is stopped as single-command mode does it.
    await makeTreeStop(selfPid, reaper, log).run(Math.max(monotonicMs(), deadlineAt));
    await Promise.race([logs.whenClosed(), sleep(1000)]);
    if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
    logs.event('pidone', `exiting with code ${exitCode}`);
    // Output nobody reads (a full pipe) must not keep the container alive past its deadline.
    const flushed = await Promise.race([logs.whenFlushed().then(() => true), sleep(Math.max(0, deadlineAt - monotonicMs()) + FLUSH_GRACE_MS).then(() => false)]);
    if (!flushed) {
      // Not through the log router: that is the output nobody reads.
      if (isWritable(2)) plainLog.error(`stdout is not being read; exiting with code ${exitCode} without the last ${logs.queuedBytes()} bytes of logs`);
      exitNow(exitCode);
    }
    phase = { kind: 'done' };
    finish(exitCode);
  }

  // No main service, no give-up: 0 only if every service ended cleanly.
  function computeCleanExit(): number {
    if (main) {
      const rt = runtimes.get(main)!;
      return rt.lastEnding ? computeExitCode(rt.lastEnding, new Set()) : 0;
    }
    for (const rt of runtimes.values()) {
      const e = rt.lastEnding;
      if (!e) continue;
      if (e.kind === 'signaled' && e.signum === SIGNALS.SIGKILL) return 137;
    }
    return 0;
  }

  const signals = listenForSignals((signum) => {
    if (signum === SIGNALS.SIGINT) sigints += 1;
    switch (signum) {
      case SIGNALS.SIGTERM: beginStop('got SIGTERM', null, 'graceful'); return;
      case SIGNALS.SIGINT:
        if (phase.kind === 'stopping' && sigints >= 2) hurry('second SIGINT');
        else beginStop('got SIGINT', null, 'graceful');
        return;
      case SIGNALS.SIGQUIT: beginStop('got SIGQUIT', null, 'fast'); return;
      case SIGNALS.SIGHUP:
        for (const rt of runtimes.values()) {
          const pid = pidOf(rt.state);
          if (rt.cfg.reloadSignal !== null && pid !== null) sendSignalToGroup(pid, rt.cfg.reloadSignal);
        }
        return;
      default:
        for (const rt of runtimes.values()) {
          const pid = pidOf(rt.state);
          if (rt.cfg.forwardSignals.includes(signum) && pid !== null) sendSignalToGroup(pid, signum);
        }
    }
  });
  if (!signals.realtime) log.log('debug', 'real-time signals are not forwarded on this Node version');
  guardInspector(log);

  logs.event('pidone', `starting ${config.services.length} service(s) from ${config.file}`);
  checkProgress();
  const control = await startControlServer(opts.socketPath, handleRequest, log);
  const health = opts.healthPort === null ? null : await startHealthServer(opts.healthHost, opts.healthPort, () => isHealthy(describe()), log);
  const code = await finished;
  clearInterval(keepAlive);
  signals.close();
  control?.close();
  health?.close();
  return code;

  function describe(): Extract<Reply, { kind: 'status' }> {
    const now = monotonicMs();
    return {
      ok: true, kind: 'status', mode: 'supervisor', stopping: phase.kind !== 'running',
      services: [...runtimes.values()].map((rt) => {
        const s = rt.state;
        const started = s.kind === 'starting' || s.kind === 'running' || s.kind === 'stopping' ? s.startedAtMs : null;
        return {
          name: rt.cfg.name,
          state: s.kind,
          pid: pidOf(s),
          uptimeMs: started === null ? null : now - started,
          restarts: rt.restarts,
          lastExit: s.kind === 'exited' && s.completed ? 'completed' : describeEnding(rt.lastEnding),
          ready: s.kind === 'running',
          required: rt.cfg.required,
        };
      }),
    };
  }

  function handleRequest(req: Request): Reply {
    if (req.cmd === 'status') return describe();
    if (req.cmd === 'ps') {
      const groups = [...runtimes.values()].flatMap((rt) => { const pid = pidOf(rt.state); return pid === null ? [] : [{ service: rt.cfg.name, pgid: pid }]; });
      return { ok: true, kind: 'groups', initPid: process.pid, groups };
    }
    const rt = runtimes.get(req.service);
    if (!rt) return { ok: false, error: `no service named "${req.service}" (services: ${[...runtimes.keys()].join(', ')})` };
    const now = monotonicMs();
    switch (req.cmd) {
      case 'restart': dispatch(rt, { kind: 'restart-requested' }); return { ok: true, kind: 'done', message: `${rt.cfg.name}: restarting` };
      case 'stop': dispatch(rt, { kind: 'stop', nowMs: now, signal: rt.cfg.stopSignal, timeoutMs: rt.cfg.stopTimeoutMs }); return { ok: true, kind: 'done', message: `${rt.cfg.name}: stopping` };
      case 'start': dispatch(rt, { kind: 'start-requested' }); return { ok: true, kind: 'done', message: `${rt.cfg.name}: starting` };
      case 'signal': {
        const pid = pidOf(rt.state);
        if (pid === null) return { ok: false, error: `${rt.cfg.name} is not running (${rt.state.kind})` };
        sendSignalToGroup(pid, req.signal);
        return { ok: true, kind: 'done', message: `${rt.cfg.name}: sent signal ${req.signal} to process group ${pid}` };
      }
    }
  }
}

// Services get 0-2 and what their config asks for; fds pidone was started with
// (and that libuv did not already mark) must not leak into every service.
function closeInheritedFdsOnExec(): void {
  for (const fd of listInheritedFds().keys()) setCloexec(fd);
}

function describeEnding(e: Ending | null): string | null {
  if (!e) return null;
  return e.kind === 'exited' ? `code ${e.code}` : nameSignal(e.signum);
}

function isEnded(state: ServiceState): boolean {
  return state.kind === 'exited' || state.kind === 'failed' || state.kind === 'stopped';
}

function pidOf(state: ServiceState): number | null {
  return state.kind === 'starting' || state.kind === 'running' || state.kind === 'stopping' ? state.pid : null;
}

function timerEvent(timer: Timer): ServiceEvent {
  switch (timer) {
    case 'backoff': return { kind: 'backoff-elapsed' };
    case 'stop-deadline': return { kind: 'stop-deadline' };
    case 'ready-timeout': return { kind: 'ready-timeout' };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => { setTimeout(r, ms).unref(); });
}
