// Whether, and how soon, a service that just ended is started again. Pure:
// the caller keeps `history` and `currentDelayMs` between calls and passes the time in.
import type { Backoff, RestartPolicy } from '../config/types';
import { formatDuration } from './duration';
import type { Ending } from './exit-status';

export interface RestartInput {
  policy: RestartPolicy;
  ending: Ending;
  stopping: boolean;             // the container or this service is being stopped
  oneshot: boolean;
  backoff: Backoff;
  maxRestarts: number | null;
  restartWindowMs: number;
  history: number[];             // ms timestamps of previous restarts
  currentDelayMs: number | null; // the delay used for the previous restart; null before the first
  runMs: number;                 // how long the run that just ended lasted
  nowMs: number;
}

export type RestartDecision =
  | { kind: 'restart'; delayMs: number; history: number[] }
  | { kind: 'give-up'; reason: string }
  | { kind: 'stay-down'; reason: string };

export function isFailure(ending: Ending): boolean {
  return ending.kind === 'signaled' || ending.code !== 0;
}

export function decideRestart(input: RestartInput): RestartDecision {
  const { policy, ending, backoff } = input;
  if (input.stopping) return { kind: 'stay-down', reason: 'stopping' };
  if (input.oneshot && !isFailure(ending)) return { kind: 'stay-down', reason: 'completed' };
  switch (policy) {
    case 'no':
      return { kind: 'stay-down', reason: 'restart policy is "no"' };
    case 'on-failure':
      if (!isFailure(ending)) return { kind: 'stay-down', reason: 'exited with code 0 and restart policy is "on-failure"' };
      break;
    case 'always':
      break;
  }

  const windowStartMs = input.nowMs - input.restartWindowMs;
  const recent = input.history.filter((t) => t >= windowStartMs);
  if (input.maxRestarts !== null && recent.length >= input.maxRestarts) {
    const reason = input.maxRestarts === 0
      ? 'restarts are disabled (max restarts is 0)'
      : `restarted ${recent.length} times in ${formatDuration(input.restartWindowMs)}`;
    return { kind: 'give-up', reason };
  }

  const previousMs = input.runMs >= backoff.resetAfterMs ? null : input.currentDelayMs;
  const raw = previousMs === null ? backoff.initialMs : Math.round(previousMs * backoff.factor);
  return { kind: 'restart', delayMs: Math.min(raw, backoff.maxMs), history: [...recent, input.nowMs] };
}
