// One service's life as a state × event table, in the manner of s6-supervise.
// Pure: transition() returns the next state and the effects for the
// supervisor to carry out; pids, timers, probes and the clock live there.
// Each event has one handler with a switch over every state, so a missing
// cell is a compile error; a cell that makes no sense returns `unchanged`.
import type { GiveUpAction, ServiceConfig } from '../config/types';
import { decideRestart, isFailure } from '../core/backoff';
import { formatDuration } from '../core/duration';
import { computeExitCode, type Ending } from '../core/exit-status';
import { nameSignal } from '../core/signals';

// Why a process is being stopped; it decides what its exit leads to.
export type StopCause = 'stop' | 'restart' | 'ready-timeout';

export type ServiceState =
  | { kind: 'waiting' }                                                   // for dependencies
  | { kind: 'starting'; pid: number; startedAtMs: number }                // spawned, not ready yet
  | { kind: 'running'; pid: number; startedAtMs: number; readyAtMs: number }
  | { kind: 'stopping'; pid: number; startedAtMs: number; deadlineAtMs: number; signal: number; cause: StopCause }
  | { kind: 'backoff'; untilMs: number; delayMs: number }                 // restart scheduled
  | { kind: 'exited'; ending: Ending; completed: boolean }                // completed: a oneshot that exited 0
  | { kind: 'failed'; reason: string }                                    // gave up restarting
  | { kind: 'stopped' };                                                  // stopped on request

export type ServiceEvent =
  | { kind: 'deps-met' }
  | { kind: 'spawned'; pid: number; nowMs: number }
  | { kind: 'spawn-failed'; reason: string; exitCode: number }
  | { kind: 'ready'; nowMs: number }
  | { kind: 'ready-timeout' }
  | { kind: 'exited'; ending: Ending; nowMs: number }
  | { kind: 'stop'; nowMs: number; signal: number; timeoutMs: number }
  | { kind: 'stop-deadline' }
  | { kind: 'backoff-elapsed' }
  | { kind: 'restart-requested' }
  | { kind: 'start-requested' };

export type Timer = 'backoff' | 'stop-deadline' | 'ready-timeout';
export type LogLevel = 'error' | 'warn' | 'info';

export type Effect =
  | { kind: 'spawn' }
  | { kind: 'probe-ready' }
  | { kind: 'cancel-probe' }
  | { kind: 'signal'; signal: number; toGroup: true }
  | { kind: 'kill-group' }
  | { kind: 'schedule'; timer: Timer; atMs: number }
  | { kind: 'cancel-timer'; timer: Timer }
  | { kind: 'log'; level: LogLevel; message: string }
  | { kind: 'give-up'; action: GiveUpAction; exitCode: number }
  | { kind: 'completed' }
  | { kind: 'set-history'; history: number[]; currentDelayMs: number | null };

export interface TransitionContext {
  stopping: boolean;             // the container is stopping: nothing starts again
  history: number[];             // restart timestamps, as last set by 'set-history'
  currentDelayMs: number | null; // likewise
  nowMs: number;
}

export interface Transition {
  state: ServiceState;
  effects: Effect[];
}

export function transition(
  service: ServiceConfig, state: ServiceState, event: ServiceEvent, ctx: TransitionContext,
): Transition {
  switch (event.kind) {
    case 'deps-met': return onDepsMet(state, ctx);
    case 'spawned': return onSpawned(service, state, event);
    case 'spawn-failed': return onSpawnFailed(service, state, event, ctx);
    case 'ready': return onReady(state, event);
    case 'ready-timeout': return onReadyTimeout(service, state, ctx);
    case 'exited': return onExited(service, state, event, { ...ctx, nowMs: event.nowMs });
    case 'stop': return onStop(state, event);
    case 'stop-deadline': return onStopDeadline(state);
    case 'backoff-elapsed': return onBackoffElapsed(state, ctx);
    case 'restart-requested': return onRestartRequested(service, state, ctx);
    case 'start-requested': return onStartRequested(state, ctx);
  }
}

type Event<K extends ServiceEvent['kind']> = Extract<ServiceEvent, { kind: K }>;

// The 'spawn' effect is answered by exactly one 'spawned' or 'spawn-failed'
// before any other event, so the state does not change until then.
function onDepsMet(state: ServiceState, ctx: TransitionContext): Transition {
  switch (state.kind) {
    case 'waiting':
      return ctx.stopping ? unchanged(state) : { state, effects: [{ kind: 'spawn' }] };
    case 'starting': case 'running': case 'stopping': case 'backoff':
    case 'exited': case 'failed': case 'stopped':
      return unchanged(state);
  }
}

function onSpawned(service: ServiceConfig, state: ServiceState, event: Event<'spawned'>): Transition {
  switch (state.kind) {
    case 'waiting': case 'backoff': {
      const { pid, nowMs } = event;
      if (service.ready === null) {
        return { state: { kind: 'running', pid, startedAtMs: nowMs, readyAtMs: nowMs }, effects: [log('info', `started (pid ${pid})`)] };
      }
      return {
        state: { kind: 'starting', pid, startedAtMs: nowMs },
        effects: [
          log('info', `started (pid ${pid}), waiting until ready`),
          { kind: 'probe-ready' },
          { kind: 'schedule', timer: 'ready-timeout', atMs: nowMs + service.ready.timeoutMs },
        ],
      };
    }
    case 'starting': case 'running': case 'stopping':
    case 'exited': case 'failed': case 'stopped':
      return unchanged(state);
  }
}

// A spawn that failed counts as a run that ended at once with the failure's code.
function onSpawnFailed(service: ServiceConfig, state: ServiceState, event: Event<'spawn-failed'>, ctx: TransitionContext): Transition {
  switch (state.kind) {
    case 'waiting': case 'backoff': {
      const ending: Ending = { kind: 'exited', code: event.exitCode };
      return settle(service, ending, 0, ctx, [log('error', `cannot start: ${event.reason}`)], false);
    }
    case 'starting': case 'running': case 'stopping':
    case 'exited': case 'failed': case 'stopped':
      return unchanged(state);
  }
}

function onReady(state: ServiceState, event: Event<'ready'>): Transition {
  switch (state.kind) {
    case 'starting':
      return {
        state: { kind: 'running', pid: state.pid, startedAtMs: state.startedAtMs, readyAtMs: event.nowMs },
        effects: [
          { kind: 'cancel-timer', timer: 'ready-timeout' },
          { kind: 'cancel-probe' },
          log('info', `ready after ${formatDuration(event.nowMs - state.startedAtMs)}`),
        ],
      };
    case 'waiting': case 'running': case 'stopping': case 'backoff':
    case 'exited': case 'failed': case 'stopped':
      return unchanged(state);
  }
}

// Not ready in time is a failure: stop it the normal way, then let its
// restart policy decide once it has exited (see onExited).
function onReadyTimeout(service: ServiceConfig, state: ServiceState, ctx: TransitionContext): Transition {
  switch (state.kind) {
    case 'starting': {
      const waited = service.ready ? ` within ${formatDuration(service.ready.timeoutMs)}` : '';
      return beginStop(state, service.stopSignal, ctx.nowMs, service.stopTimeoutMs, 'ready-timeout', [
        log('error', `not ready${waited}; stopping it with ${nameSignal(service.stopSignal)}`),
      ]);
    }
    case 'waiting': case 'running': case 'stopping': case 'backoff':
    case 'exited': case 'failed': case 'stopped':
      return unchanged(state);
  }
}

function onExited(service: ServiceConfig, state: ServiceState, event: Event<'exited'>, ctx: TransitionContext): Transition {
  const { ending, nowMs } = event;
  switch (state.kind) {
    case 'starting':
      return settle(service, ending, nowMs - state.startedAtMs, ctx, [
        { kind: 'cancel-probe' },
        { kind: 'cancel-timer', timer: 'ready-timeout' },
        logEnding(ending),
      ], false);
    case 'running':
      return settle(service, ending, nowMs - state.startedAtMs, ctx, [logEnding(ending)], false);
    case 'stopping':
      return onStoppingExited(service, state, event, ctx);
    case 'waiting': case 'backoff': case 'exited': case 'failed': case 'stopped':
      return unchanged(state); // no process of ours: a stale or foreign pid
  }
}

function onStoppingExited(
  service: ServiceConfig, state: Extract<ServiceState, { kind: 'stopping' }>, event: Event<'exited'>, ctx: TransitionContext,
): Transition {
  const { ending, nowMs } = event;
  const cancel: Effect = { kind: 'cancel-timer', timer: 'stop-deadline' };
  switch (state.cause) {
    case 'stop':
      return { state: { kind: 'stopped' }, effects: [cancel, log('info', `stopped (${describeEnding(ending)})`)] };
    case 'restart':
      // Back to waiting: the supervisor re-checks dependencies and sends 'deps-met'.
      return {
        state: ctx.stopping ? { kind: 'stopped' } : { kind: 'waiting' },
        effects: [cancel, log('info', `stopped for restart (${describeEnding(ending)})`)],
      };
    case 'ready-timeout':
      return settle(service, ending, nowMs - state.startedAtMs, ctx, [cancel, logEnding(ending)], true);
  }
}

function onStop(state: ServiceState, event: Event<'stop'>): Transition {
  switch (state.kind) {
    case 'waiting':
      return { state: { kind: 'stopped' }, effects: [] };
    case 'backoff':
      return { state: { kind: 'stopped' }, effects: [{ kind: 'cancel-timer', timer: 'backoff' }] };
    case 'starting': case 'running':
      return beginStop(state, event.signal, event.nowMs, event.timeoutMs, 'stop');
    case 'stopping':
      // Already signalled and under a deadline; only make sure its exit is final.
      return state.cause === 'stop' ? unchanged(state) : { state: { ...state, cause: 'stop' }, effects: [] };
    case 'exited': case 'failed': case 'stopped':
      return unchanged(state);
  }
}

function onStopDeadline(state: ServiceState): Transition {
  switch (state.kind) {
    case 'stopping':
      return {
        state,
        effects: [
          log('warn', 'still running at its stop deadline; sending SIGKILL to its process group'),
          { kind: 'kill-group' },
        ],
      };
    case 'waiting': case 'starting': case 'running': case 'backoff':
    case 'exited': case 'failed': case 'stopped':
      return unchanged(state); // a stale timer
  }
}

function onBackoffElapsed(state: ServiceState, ctx: TransitionContext): Transition {
  switch (state.kind) {
    case 'backoff':
      // As with deps-met, the state holds until 'spawned' or 'spawn-failed'.
      return ctx.stopping ? { state: { kind: 'stopped' }, effects: [] } : { state, effects: [{ kind: 'spawn' }] };
    case 'waiting': case 'starting': case 'running': case 'stopping':
    case 'exited': case 'failed': case 'stopped':
      return unchanged(state); // a stale timer
  }
}

// A requested restart is not a crash: it is not counted against maxRestarts.
function onRestartRequested(service: ServiceConfig, state: ServiceState, ctx: TransitionContext): Transition {
  if (ctx.stopping) return unchanged(state);
  switch (state.kind) {
    case 'starting': case 'running':
      return beginStop(state, service.stopSignal, ctx.nowMs, service.stopTimeoutMs, 'restart');
    case 'backoff':
      return { state: { kind: 'waiting' }, effects: [{ kind: 'cancel-timer', timer: 'backoff' }] };
    case 'exited': case 'failed': case 'stopped':
      return startAfresh();
    case 'waiting':  // starts once its dependencies are met
    case 'stopping': // a stop in progress is not turned into a restart
      return unchanged(state);
  }
}

function onStartRequested(state: ServiceState, ctx: TransitionContext): Transition {
  if (ctx.stopping) return unchanged(state);
  switch (state.kind) {
    case 'exited': case 'failed': case 'stopped':
      return startAfresh();
    case 'waiting': case 'starting': case 'running': case 'backoff':
    case 'stopping':
      return unchanged(state);
  }
}

// ---

function unchanged(state: ServiceState): Transition {
  return { state, effects: [] };
}

function log(level: LogLevel, message: string): Effect {
  return { kind: 'log', level, message };
}

// A manual start forgets past crashes, so an earlier give-up does not repeat at once.
function startAfresh(): Transition {
  return { state: { kind: 'waiting' }, effects: [{ kind: 'set-history', history: [], currentDelayMs: null }] };
}

// A starting service also drops its readiness probe and its ready timeout
// (unless that timeout is what fired).
function beginStop(
  state: Extract<ServiceState, { kind: 'starting' | 'running' }>, signal: number, nowMs: number, timeoutMs: number,
  cause: StopCause, first: Effect[] = [],
): Transition {
  const deadlineAtMs = nowMs + timeoutMs;
  const cancel: Effect[] = state.kind !== 'starting' ? []
    : cause === 'ready-timeout' ? [{ kind: 'cancel-probe' }]
    : [{ kind: 'cancel-probe' }, { kind: 'cancel-timer', timer: 'ready-timeout' }];
  return {
    state: { kind: 'stopping', pid: state.pid, startedAtMs: state.startedAtMs, deadlineAtMs, signal, cause },
    effects: [
      ...first,
      ...cancel,
      { kind: 'signal', signal, toGroup: true },
      { kind: 'schedule', timer: 'stop-deadline', atMs: deadlineAtMs },
    ],
  };
}

// After a run ended on its own (or failed readiness): restart, give up, or stay down.
// A readiness failure counts as a failure whatever the exit code, so
// 'on-failure' restarts it and a oneshot has not completed.
function settle(
  service: ServiceConfig, ending: Ending, runMs: number, ctx: TransitionContext,
  effects: Effect[], readyFailed: boolean,
): Transition {
  const decision = decideRestart({
    policy: readyFailed && service.restart === 'on-failure' ? 'always' : service.restart,
    ending,
    stopping: ctx.stopping,
    oneshot: service.oneshot && !readyFailed,
    backoff: service.backoff,
    maxRestarts: service.maxRestarts,
    restartWindowMs: service.restartWindowMs,
    history: ctx.history,
    currentDelayMs: ctx.currentDelayMs,
    runMs,
    nowMs: ctx.nowMs,
  });
  switch (decision.kind) {
    case 'restart': {
      const untilMs = ctx.nowMs + decision.delayMs;
      return {
        state: { kind: 'backoff', untilMs, delayMs: decision.delayMs },
        effects: [
          ...effects,
          log('info', `restarting in ${formatDuration(decision.delayMs)}`),
          { kind: 'set-history', history: decision.history, currentDelayMs: decision.delayMs },
          { kind: 'schedule', timer: 'backoff', atMs: untilMs },
        ],
      };
    }
    case 'give-up':
      return {
        state: { kind: 'failed', reason: decision.reason },
        effects: [
          ...effects,
          log('error', `giving up: ${decision.reason}`),
          { kind: 'give-up', action: service.onGiveUp, exitCode: computeExitCode(ending, NO_REMAP) },
        ],
      };
    case 'stay-down': {
      const completed = service.oneshot && !readyFailed && !isFailure(ending);
      return {
        state: { kind: 'exited', ending, completed },
        effects: completed ? [...effects, log('info', 'completed'), { kind: 'completed' }] : effects,
      };
    }
  }
}

const NO_REMAP: ReadonlySet<number> = new Set();

function describeEnding(ending: Ending): string {
  switch (ending.kind) {
    case 'exited': return `exited with code ${ending.code}`;
    case 'signaled': return `killed by ${nameSignal(ending.signum)}${ending.core ? ' (core dumped)' : ''}`;
  }
}

function logEnding(ending: Ending): Effect {
  return log(isFailure(ending) ? 'warn' : 'info', describeEnding(ending));
}
