import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceConfig } from '../../src/config/types';
import type { Ending } from '../../src/core/exit-status';
import {
  transition, type Effect, type ServiceEvent, type ServiceState, type Transition, type TransitionContext,
} from '../../src/supervisor/state';

const NOW = 1_000_000;
const CODE3: Ending = { kind: 'exited', code: 3 };
const OK: Ending = { kind: 'exited', code: 0 };

function service(over: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    name: 'api', command: ['api'], env: {}, envFile: [], cwd: null, user: null, group: null,
    stopSignal: 15, stopTimeoutMs: 5000, reloadSignal: null, forwardSignals: [],
    restart: 'always',
    backoff: { initialMs: 1000, maxMs: 30_000, factor: 2, resetAfterMs: 60_000 },
    maxRestarts: 5, restartWindowMs: 60_000, onGiveUp: 'stop-container',
    dependsOn: [], oneshot: false,
    ready: { probe: { kind: 'tcp', host: '127.0.0.1', port: 8080 }, timeoutMs: 10_000, intervalMs: 250 },
    health: null, main: false, required: true,
    ...over,
  };
}

const CTX: TransitionContext = { stopping: false, history: [], currentDelayMs: null, nowMs: NOW };

const STATES: { [K in ServiceState['kind']]: Extract<ServiceState, { kind: K }> } = {
  waiting: { kind: 'waiting' },
  starting: { kind: 'starting', pid: 42, startedAtMs: NOW - 100 },
  running: { kind: 'running', pid: 42, startedAtMs: NOW - 1000, readyAtMs: NOW - 900 },
  stopping: { kind: 'stopping', pid: 42, startedAtMs: NOW - 1000, deadlineAtMs: NOW + 5000, signal: 15, cause: 'stop' },
  backoff: { kind: 'backoff', untilMs: NOW + 1000, delayMs: 1000 },
  exited: { kind: 'exited', ending: CODE3, completed: false },
  failed: { kind: 'failed', reason: 'restarted 5 times in 60s' },
  stopped: { kind: 'stopped' },
};

const EVENTS: { [K in ServiceEvent['kind']]: Extract<ServiceEvent, { kind: K }> } = {
  'deps-met': { kind: 'deps-met' },
  'spawned': { kind: 'spawned', pid: 43, nowMs: NOW },
  'spawn-failed': { kind: 'spawn-failed', reason: 'command not found (ENOENT)', exitCode: 127 },
  'ready': { kind: 'ready', nowMs: NOW },
  'ready-timeout': { kind: 'ready-timeout' },
  'exited': { kind: 'exited', ending: CODE3, nowMs: NOW },
  'stop': { kind: 'stop', nowMs: NOW, signal: 15, timeoutMs: 5000 },
  'stop-deadline': { kind: 'stop-deadline' },
  'backoff-elapsed': { kind: 'backoff-elapsed' },
  'restart-requested': { kind: 'restart-requested' },
  'start-requested': { kind: 'start-requested' },
};

// '=': the event makes no sense in that state; the same state object comes back, no effects.
const SAME = '=';
type Row = [ServiceState['kind'], ServiceEvent['kind'], ServiceState['kind'] | typeof SAME, Effect['kind'][], string];

// The service above: a readiness probe, restart 'always', nothing in its history.
const RESTART: Effect['kind'][] = ['log', 'log', 'set-history', 'schedule']; // exit/spawn log, "restarting in", history, timer
const TABLE: Row[] = [
  ['waiting', 'deps-met', 'waiting', ['spawn'], 'state holds until spawned/spawn-failed'],
  ['waiting', 'spawned', 'starting', ['log', 'probe-ready', 'schedule'], 'has a probe'],
  ['waiting', 'spawn-failed', 'backoff', RESTART, 'a failed spawn is a failed run'],
  ['waiting', 'ready', SAME, [], 'no process to be ready'],
  ['waiting', 'ready-timeout', SAME, [], 'stale timer: none is set while waiting'],
  ['waiting', 'exited', SAME, [], 'no process of ours: stale or foreign pid'],
  ['waiting', 'stop', 'stopped', [], 'nothing running, no timer'],
  ['waiting', 'stop-deadline', SAME, [], 'stale timer'],
  ['waiting', 'backoff-elapsed', SAME, [], 'stale timer'],
  ['waiting', 'restart-requested', SAME, [], 'it starts once its dependencies are met'],
  ['waiting', 'start-requested', SAME, [], 'already on its way up'],

  ['starting', 'deps-met', SAME, [], 'already spawned'],
  ['starting', 'spawned', SAME, [], 'already has a process'],
  ['starting', 'spawn-failed', SAME, [], 'already has a process'],
  ['starting', 'ready', 'running', ['cancel-timer', 'cancel-probe', 'log'], ''],
  ['starting', 'ready-timeout', 'stopping', ['log', 'cancel-probe', 'signal', 'schedule'], 'a failure: stopped, then the policy decides'],
  ['starting', 'exited', 'backoff', ['cancel-probe', 'cancel-timer', ...RESTART], ''],
  ['starting', 'stop', 'stopping', ['cancel-probe', 'cancel-timer', 'signal', 'schedule'], ''],
  ['starting', 'stop-deadline', SAME, [], 'stale timer'],
  ['starting', 'backoff-elapsed', SAME, [], 'stale timer'],
  ['starting', 'restart-requested', 'stopping', ['cancel-probe', 'cancel-timer', 'signal', 'schedule'], 'exit leads back to waiting'],
  ['starting', 'start-requested', SAME, [], 'already started'],

  ['running', 'deps-met', SAME, [], 'already spawned'],
  ['running', 'spawned', SAME, [], 'already has a process'],
  ['running', 'spawn-failed', SAME, [], 'already has a process'],
  ['running', 'ready', SAME, [], 'already ready'],
  ['running', 'ready-timeout', SAME, [], 'stale timer: cancelled on ready'],
  ['running', 'exited', 'backoff', RESTART, ''],
  ['running', 'stop', 'stopping', ['signal', 'schedule'], ''],
  ['running', 'stop-deadline', SAME, [], 'stale timer'],
  ['running', 'backoff-elapsed', SAME, [], 'stale timer'],
  ['running', 'restart-requested', 'stopping', ['signal', 'schedule'], 'exit leads back to waiting'],
  ['running', 'start-requested', SAME, [], 'already running'],

  ['stopping', 'deps-met', SAME, [], 'already spawned'],
  ['stopping', 'spawned', SAME, [], 'already has a process'],
  ['stopping', 'spawn-failed', SAME, [], 'already has a process'],
  ['stopping', 'ready', SAME, [], 'too late to matter'],
  ['stopping', 'ready-timeout', SAME, [], 'stale timer: cancelled on stop'],
  ['stopping', 'exited', 'stopped', ['cancel-timer', 'log'], 'cause "stop": no restart'],
  ['stopping', 'stop', SAME, [], 'already stopping for a stop'],
  ['stopping', 'stop-deadline', 'stopping', ['log', 'kill-group'], 'stays until its exit is reaped'],
  ['stopping', 'backoff-elapsed', SAME, [], 'stale timer'],
  ['stopping', 'restart-requested', SAME, [], 'a stop in progress is not turned into a restart'],
  ['stopping', 'start-requested', SAME, [], 'a stop in progress wins'],

  ['backoff', 'deps-met', SAME, [], 'not waiting for dependencies'],
  ['backoff', 'spawned', 'starting', ['log', 'probe-ready', 'schedule'], 'answer to backoff-elapsed'],
  ['backoff', 'spawn-failed', 'backoff', RESTART, 'answer to backoff-elapsed'],
  ['backoff', 'ready', SAME, [], 'no process'],
  ['backoff', 'ready-timeout', SAME, [], 'stale timer'],
  ['backoff', 'exited', SAME, [], 'no process of ours'],
  ['backoff', 'stop', 'stopped', ['cancel-timer'], ''],
  ['backoff', 'stop-deadline', SAME, [], 'stale timer'],
  ['backoff', 'backoff-elapsed', 'backoff', ['spawn'], 'state holds until spawned/spawn-failed'],
  ['backoff', 'restart-requested', 'waiting', ['cancel-timer'], 'skip the wait, re-check dependencies'],
  ['backoff', 'start-requested', SAME, [], 'already on its way up'],

  ['exited', 'deps-met', SAME, [], 'only a start request brings it back'],
  ['exited', 'spawned', SAME, [], 'no spawn was asked for'],
  ['exited', 'spawn-failed', SAME, [], 'no spawn was asked for'],
  ['exited', 'ready', SAME, [], 'no process'],
  ['exited', 'ready-timeout', SAME, [], 'stale timer'],
  ['exited', 'exited', SAME, [], 'no process of ours'],
  ['exited', 'stop', SAME, [], 'already down'],
  ['exited', 'stop-deadline', SAME, [], 'stale timer'],
  ['exited', 'backoff-elapsed', SAME, [], 'stale timer'],
  ['exited', 'restart-requested', 'waiting', ['set-history'], 'fresh history'],
  ['exited', 'start-requested', 'waiting', ['set-history'], 'fresh history'],

  ['failed', 'deps-met', SAME, [], 'only a start request brings it back'],
  ['failed', 'spawned', SAME, [], 'no spawn was asked for'],
  ['failed', 'spawn-failed', SAME, [], 'no spawn was asked for'],
  ['failed', 'ready', SAME, [], 'no process'],
  ['failed', 'ready-timeout', SAME, [], 'stale timer'],
  ['failed', 'exited', SAME, [], 'no process of ours'],
  ['failed', 'stop', SAME, [], 'already down'],
  ['failed', 'stop-deadline', SAME, [], 'stale timer'],
  ['failed', 'backoff-elapsed', SAME, [], 'stale timer'],
  ['failed', 'restart-requested', 'waiting', ['set-history'], 'fresh history, so no instant give-up'],
  ['failed', 'start-requested', 'waiting', ['set-history'], 'fresh history, so no instant give-up'],

  ['stopped', 'deps-met', SAME, [], 'only a start request brings it back'],
  ['stopped', 'spawned', SAME, [], 'no spawn was asked for'],
  ['stopped', 'spawn-failed', SAME, [], 'no spawn was asked for'],
  ['stopped', 'ready', SAME, [], 'no process'],
  ['stopped', 'ready-timeout', SAME, [], 'stale timer'],
  ['stopped', 'exited', SAME, [], 'no process of ours'],
  ['stopped', 'stop', SAME, [], 'already down'],
  ['stopped', 'stop-deadline', SAME, [], 'stale timer'],
  ['stopped', 'backoff-elapsed', SAME, [], 'stale timer'],
  ['stopped', 'restart-requested', 'waiting', ['set-history'], 'fresh history'],
  ['stopped', 'start-requested', 'waiting', ['set-history'], 'fresh history'],
];

test('the table covers every state × event once', () => {
  const cells = new Set(TABLE.map(([s, e]) => `${s} ${e}`));
  assert.equal(TABLE.length, 88);
  assert.equal(cells.size, 88);
  for (const s of Object.keys(STATES)) for (const e of Object.keys(EVENTS)) assert.ok(cells.has(`${s} ${e}`), `${s} ${e}`);
});

test('state × event table', () => {
  const svc = service();
  for (const [s, e, next, effects, why] of TABLE) {
    const label = `${s} × ${e} (${why})`;
    const state = STATES[s];
    const out = transition(svc, state, EVENTS[e], CTX);
    assert.deepEqual(out.effects.map((x) => x.kind), effects, label);
    if (next === SAME) assert.equal(out.state, state, label);
    else assert.equal(out.state.kind, next, label);
  }
});

// --- focused flows ---

function effectsOf<K extends Effect['kind']>(t: Transition, kind: K): Extract<Effect, { kind: K }>[] {
  return t.effects.filter((x): x is Extract<Effect, { kind: K }> => x.kind === kind);
}

function logs(t: Transition): string[] {
  return effectsOf(t, 'log').map((l) => `${l.level}: ${l.message}`);
}

// Plays the supervisor's part: keeps history and delay as 'set-history' says.
class Runner {
  ctx: TransitionContext = { ...CTX };
  constructor(readonly svc: ServiceConfig, public state: ServiceState = { kind: 'waiting' }) {}
  send(event: ServiceEvent, nowMs = this.ctx.nowMs): Transition {
    this.ctx.nowMs = nowMs;
    const out = transition(this.svc, this.state, event, this.ctx);
    for (const h of effectsOf(out, 'set-history')) {
      this.ctx.history = h.history;
      this.ctx.currentDelayMs = h.currentDelayMs;
    }
    this.state = out.state;
    return out;
  }
}

test('without a probe, spawned means ready at once', () => {
  const out = transition(service({ ready: null }), { kind: 'waiting' }, EVENTS.spawned, CTX);
  assert.deepEqual(out.state, { kind: 'running', pid: 43, startedAtMs: NOW, readyAtMs: NOW });
  assert.deepEqual(out.effects, [{ kind: 'log', level: 'info', message: 'started (pid 43)' }]);
});

test('with a probe: probe, ready-timeout timer, then ready', () => {
  const r = new Runner(service());
  const spawned = r.send({ kind: 'spawned', pid: 7, nowMs: NOW });
  assert.deepEqual(r.state, { kind: 'starting', pid: 7, startedAtMs: NOW });
  assert.deepEqual(effectsOf(spawned, 'schedule'), [{ kind: 'schedule', timer: 'ready-timeout', atMs: NOW + 10_000 }]);
  const ready = r.send({ kind: 'ready', nowMs: NOW + 1500 });
  assert.deepEqual(r.state, { kind: 'running', pid: 7, startedAtMs: NOW, readyAtMs: NOW + 1500 });
  assert.deepEqual(logs(ready), ['info: ready after 1500ms']);
});

test('crash loop: exponential backoff, then give up with the exit code', () => {
  const r = new Runner(service({ ready: null, maxRestarts: 3 }));
  assert.deepEqual(r.send({ kind: 'deps-met' }).effects, [{ kind: 'spawn' }]);
  const delays: number[] = [];
  let t = NOW;
  let exit: Transition;
  for (let pid = 100; ; pid++) {
    assert.ok(pid < 110, 'never gave up');
    r.send({ kind: 'spawned', pid, nowMs: t });
    assert.equal(r.state.kind, 'running');
    t += 200;
    exit = r.send({ kind: 'exited', ending: CODE3, nowMs: t });
    const after = exit.state;
    if (after.kind !== 'backoff') break;
    delays.push(after.delayMs);
    assert.deepEqual(effectsOf(exit, 'schedule'), [{ kind: 'schedule', timer: 'backoff', atMs: t + after.delayMs }]);
    t += after.delayMs;
    assert.deepEqual(r.send({ kind: 'backoff-elapsed' }, t).effects, [{ kind: 'spawn' }]);
  }
  assert.deepEqual(delays, [1000, 2000, 4000]);
  assert.deepEqual(r.state, { kind: 'failed', reason: 'restarted 3 times in 60s' });
  assert.deepEqual(logs(exit), ['warn: exited with code 3', 'error: giving up: restarted 3 times in 60s']);
  assert.deepEqual(effectsOf(exit, 'give-up'), [{ kind: 'give-up', action: 'stop-container', exitCode: 3 }]);
});

test('restart through backoff-elapsed and spawned in the backoff state', () => {
  const r = new Runner(service({ ready: null }), STATES.running);
  const exit = r.send({ kind: 'exited', ending: { kind: 'signaled', signum: 9, core: false }, nowMs: NOW });
  assert.deepEqual(logs(exit), ['warn: killed by SIGKILL', 'info: restarting in 1s']);
  assert.deepEqual(r.state, { kind: 'backoff', untilMs: NOW + 1000, delayMs: 1000 });
  assert.deepEqual(r.ctx.history, [NOW]);
  r.send({ kind: 'backoff-elapsed' }, NOW + 1000);
  r.send({ kind: 'spawned', pid: 9, nowMs: NOW + 1000 });
  assert.deepEqual(r.state, { kind: 'running', pid: 9, startedAtMs: NOW + 1000, readyAtMs: NOW + 1000 });
});

test('a long run resets the delay; a short one doubles it', () => {
  const svc = service({ ready: null });
  const ctx = { ...CTX, currentDelayMs: 16_000, history: [NOW - 30_000] };
  const long = transition(svc, { ...STATES.running, startedAtMs: NOW - 120_000 }, EVENTS.exited, ctx);
  assert.deepEqual(long.state, { kind: 'backoff', untilMs: NOW + 1000, delayMs: 1000 });
  assert.deepEqual(effectsOf(long, 'set-history'), [{ kind: 'set-history', history: [NOW - 30_000, NOW], currentDelayMs: 1000 }]);
  const short = transition(svc, STATES.running, EVENTS.exited, ctx);
  assert.deepEqual(short.state, { kind: 'backoff', untilMs: NOW + 30_000, delayMs: 30_000 });
});

test('oneshot: exit 0 completes, whatever the policy; a failure follows the policy', () => {
  for (const restart of ['no', 'on-failure', 'always'] as const) {
    const svc = service({ oneshot: true, ready: null, restart });
    const out = transition(svc, STATES.running, { kind: 'exited', ending: OK, nowMs: NOW }, CTX);
    assert.deepEqual(out.state, { kind: 'exited', ending: OK, completed: true }, restart);
    assert.deepEqual(out.effects.map((e) => e.kind), ['log', 'log', 'completed'], restart);
    assert.deepEqual(logs(out), ['info: exited with code 0', 'info: completed'], restart);
  }
  const failed = transition(service({ oneshot: true, ready: null, restart: 'on-failure' }), STATES.running, EVENTS.exited, CTX);
  assert.equal(failed.state.kind, 'backoff');
  const once = transition(service({ oneshot: true, ready: null, restart: 'no' }), STATES.running, EVENTS.exited, CTX);
  assert.deepEqual(once.state, { kind: 'exited', ending: CODE3, completed: false });
  assert.equal(effectsOf(once, 'completed').length, 0);
});

test('restart policies on a normal exit', () => {
  const rows: Array<[ServiceConfig['restart'], Ending, ServiceState['kind']]> = [
    ['no', CODE3, 'exited'], ['no', OK, 'exited'],
    ['on-failure', CODE3, 'backoff'], ['on-failure', OK, 'exited'],
    ['always', CODE3, 'backoff'], ['always', OK, 'backoff'],
  ];
  for (const [restart, ending, kind] of rows) {
    const out = transition(service({ restart }), STATES.running, { kind: 'exited', ending, nowMs: NOW }, CTX);
    assert.equal(out.state.kind, kind, `${restart} ${JSON.stringify(ending)}`);
  }
});

test('a spawn failure follows the restart policy and gives up with its code', () => {
  const ev = EVENTS['spawn-failed'];
  const no = transition(service({ restart: 'no' }), STATES.waiting, ev, CTX);
  assert.deepEqual(no.state, { kind: 'exited', ending: { kind: 'exited', code: 127 }, completed: false });
  assert.deepEqual(logs(no), ['error: cannot start: command not found (ENOENT)']);
  const full = { ...CTX, history: [NOW - 5, NOW - 4, NOW - 3, NOW - 2, NOW - 1] };
  const gaveUp = transition(service(), STATES.backoff, ev, full);
  assert.equal(gaveUp.state.kind, 'failed');
  assert.deepEqual(effectsOf(gaveUp, 'give-up'), [{ kind: 'give-up', action: 'stop-container', exitCode: 127 }]);
});

test('give-up carries 128+N for a signal and the configured action', () => {
  const full = { ...CTX, history: [NOW - 2, NOW - 1] };
  const out = transition(
    service({ maxRestarts: 2, onGiveUp: 'ignore' }), STATES.running,
    { kind: 'exited', ending: { kind: 'signaled', signum: 11, core: true }, nowMs: NOW }, full,
  );
  assert.deepEqual(logs(out), ['warn: killed by SIGSEGV (core dumped)', 'error: giving up: restarted 2 times in 60s']);
  assert.deepEqual(effectsOf(out, 'give-up'), [{ kind: 'give-up', action: 'ignore', exitCode: 139 }]);
});

test('stop: signal the group, deadline, SIGKILL, then stopped', () => {
  const r = new Runner(service(), STATES.running);
  const stop = r.send({ kind: 'stop', nowMs: NOW, signal: 2, timeoutMs: 3000 });
  assert.deepEqual(stop.effects, [
    { kind: 'signal', signal: 2, toGroup: true },
    { kind: 'schedule', timer: 'stop-deadline', atMs: NOW + 3000 },
  ]);
  assert.deepEqual(r.state, { kind: 'stopping', pid: 42, startedAtMs: NOW - 1000, deadlineAtMs: NOW + 3000, signal: 2, cause: 'stop' });
  const kill = r.send({ kind: 'stop-deadline' }, NOW + 3000);
  assert.deepEqual(kill.effects.map((e) => e.kind), ['log', 'kill-group']);
  const exit = r.send({ kind: 'exited', ending: { kind: 'signaled', signum: 9, core: false }, nowMs: NOW + 3001 });
  assert.deepEqual(r.state, { kind: 'stopped' });
  assert.deepEqual(logs(exit), ['info: stopped (killed by SIGKILL)']);
});

test('ready timeout: stopped with its own stop signal, then the restart policy applies', () => {
  const svc = service({ restart: 'on-failure', stopSignal: 3, stopTimeoutMs: 2000 });
  const r = new Runner(svc, STATES.starting);
  const timeout = r.send({ kind: 'ready-timeout' }, NOW + 10_000);
  assert.deepEqual(logs(timeout), ['error: not ready within 10s; stopping it with SIGQUIT']);
  assert.deepEqual(effectsOf(timeout, 'signal'), [{ kind: 'signal', signal: 3, toGroup: true }]);
  assert.deepEqual(r.state, {
    kind: 'stopping', pid: 42, startedAtMs: NOW - 100, deadlineAtMs: NOW + 12_000, signal: 3, cause: 'ready-timeout',
  });
  // exit 0 after the signal is still a failure: on-failure restarts it
  const exit = r.send({ kind: 'exited', ending: OK, nowMs: NOW + 10_100 });
  assert.equal(r.state.kind, 'backoff');
  assert.equal(exit.effects[0]!.kind, 'cancel-timer');

  const noRestart = transition(service({ restart: 'no' }), { ...STATES.stopping, cause: 'ready-timeout' }, EVENTS.exited, CTX);
  assert.deepEqual(noRestart.state, { kind: 'exited', ending: CODE3, completed: false });

  // a oneshot that missed its ready deadline has not completed
  const oneshot = transition(service({ restart: 'no', oneshot: true }), { ...STATES.stopping, cause: 'ready-timeout' }, { kind: 'exited', ending: OK, nowMs: NOW }, CTX);
  assert.deepEqual(oneshot.state, { kind: 'exited', ending: OK, completed: false });
});

test('a stop during a ready-timeout or restart stop makes the exit final', () => {
  for (const cause of ['ready-timeout', 'restart'] as const) {
    const r = new Runner(service(), { ...STATES.stopping, cause });
    assert.deepEqual(r.send(EVENTS.stop).effects, [], cause);
    assert.equal(r.state.kind === 'stopping' && r.state.cause, 'stop', cause);
    assert.equal(r.state.kind === 'stopping' && r.state.deadlineAtMs, NOW + 5000, cause); // deadline kept
    r.send(EVENTS.exited);
    assert.deepEqual(r.state, { kind: 'stopped' }, cause);
  }
});

test('requested restart: stop, back to waiting, history untouched', () => {
  const r = new Runner(service({ ready: null }), STATES.running);
  r.ctx.history = [NOW - 10];
  r.ctx.currentDelayMs = 2000;
  const req = r.send({ kind: 'restart-requested' });
  assert.deepEqual(effectsOf(req, 'signal'), [{ kind: 'signal', signal: 15, toGroup: true }]);
  assert.deepEqual(effectsOf(req, 'schedule'), [{ kind: 'schedule', timer: 'stop-deadline', atMs: NOW + 5000 }]);
  const exit = r.send(EVENTS.exited);
  assert.deepEqual(r.state, { kind: 'waiting' });
  assert.deepEqual(logs(exit), ['info: stopped for restart (exited with code 3)']);
  assert.deepEqual(r.send({ kind: 'deps-met' }).effects, [{ kind: 'spawn' }]);
  assert.deepEqual([r.ctx.history, r.ctx.currentDelayMs], [[NOW - 10], 2000]);
});

test('start after give-up clears the history', () => {
  const r = new Runner(service(), STATES.failed);
  r.ctx.history = [NOW - 3, NOW - 2, NOW - 1];
  r.ctx.currentDelayMs = 8000;
  r.send({ kind: 'start-requested' });
  assert.deepEqual(r.state, { kind: 'waiting' });
  assert.deepEqual([r.ctx.history, r.ctx.currentDelayMs], [[], null]);
});

test('while the container stops, nothing starts again', () => {
  const stopping = { ...CTX, stopping: true };
  const svc = service();
  const exit = transition(svc, STATES.running, EVENTS.exited, stopping);
  assert.deepEqual(exit.state, { kind: 'exited', ending: CODE3, completed: false });
  assert.deepEqual(logs(exit), ['warn: exited with code 3']);
  assert.deepEqual(transition(svc, STATES.backoff, EVENTS['backoff-elapsed'], stopping), { state: { kind: 'stopped' }, effects: [] });
  const restartExit = transition(svc, { ...STATES.stopping, cause: 'restart' }, EVENTS.exited, stopping);
  assert.deepEqual(restartExit.state, { kind: 'stopped' });
  for (const [s, e] of [
    ['waiting', 'deps-met'], ['running', 'restart-requested'], ['starting', 'restart-requested'],
    ['backoff', 'restart-requested'], ['failed', 'start-requested'], ['stopped', 'restart-requested'],
  ] as const) {
    const state = STATES[s];
    const out = transition(svc, state, EVENTS[e], stopping);
    assert.equal(out.state, state, `${s} × ${e}`);
    assert.deepEqual(out.effects, [], `${s} × ${e}`);
  }
});

test('transition does not modify its inputs', () => {
  const state = structuredClone(STATES.running);
  const ctx = structuredClone({ ...CTX, history: [NOW - 1] });
  transition(service(), state, EVENTS.exited, ctx);
  transition(service(), state, EVENTS.stop, ctx);
  assert.deepEqual(state, STATES.running);
  assert.deepEqual(ctx.history, [NOW - 1]);
});
