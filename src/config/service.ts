// One entry under `services:`, read into a ServiceConfig with its defaults.
import { dirname, resolve } from 'node:path';
import { SIGNALS } from '../core/signals';
import type { Backoff, Dependency, RestartPolicy, ServiceConfig } from './types';
import { descend, fail, failType, type Cursor } from './cursor';
import {
  BACKOFF_KEYS, DEPENDENCY_CONDITIONS, DEPENDENCY_KEYS, GIVE_UP_ACTIONS, RESTART_POLICIES, SERVICE_KEYS,
} from './keys';
import {
  readBoolean, readCommand, readDuration, readEnum, readFields, readId, readInteger, readList, readMapping,
  readNumber, readOptional, readRequired, readSignal, readString, readStrings, type Fields,
} from './read';
import { readHealth, readReadiness } from './ready';

export interface ParsedService {
  config: ServiceConfig;
  cursor: Cursor;
  dependencyCursors: Cursor[]; // parallel to config.dependsOn, for cross-reference errors
}

const MAIN_FORWARD_SIGNALS = [SIGNALS.SIGUSR1!, SIGNALS.SIGUSR2!, SIGNALS.SIGWINCH!];
const UNCATCHABLE_SIGNALS = new Set([SIGNALS.SIGKILL!, SIGNALS.SIGSTOP!]);
const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000, factor: 2, resetAfterMs: 60_000 };

export function readService(c: Cursor, name: string, v: unknown, configFile: string): ParsedService {
  const f = readFields(c, v, SERVICE_KEYS);
  const dependencies = readOptional(c, f, 'depends_on', readDependencies, []);
  const forwardSignals = readOptional<number[] | null>(c, f, 'forward_signals', readForwardSignals, null);
  const config: ServiceConfig = {
    name,
    command: readRequired(c, f, 'command', readCommand, '["program", "arg"]'),
    env: readOptional(c, f, 'env', readEnv, {}),
    envFile: readOptional(c, f, 'env_file', readStrings, []).map((p) => resolve(dirname(configFile), p)),
    cwd: readOptional(c, f, 'cwd', readString, null),
    user: readOptional(c, f, 'user', readId, null),
    group: readOptional(c, f, 'group', readId, null),
    stopSignal: readOptional(c, f, 'stop_signal', readSignal, SIGNALS.SIGTERM!),
    stopTimeoutMs: readOptional(c, f, 'stop_timeout', readDuration, 5000),
    reloadSignal: readOptional(c, f, 'reload_signal', readSignal, null),
    forwardSignals: forwardSignals ?? [],
    restart: readOptional(c, f, 'restart', readRestart, 'no'),
    backoff: readOptional(c, f, 'backoff', readBackoff, { ...DEFAULT_BACKOFF }),
    maxRestarts: readOptional(c, f, 'max_restarts', (at, x) => readInteger(at, x, 0), null),
    restartWindowMs: readOptional(c, f, 'restart_window', (at, x) => readDuration(at, x, 1), 60_000),
    onGiveUp: readOptional(c, f, 'on_give_up', (at, x) => readEnum(at, x, GIVE_UP_ACTIONS), 'ignore'),
    dependsOn: dependencies.map((d) => d.dependency),
    oneshot: readOptional(c, f, 'oneshot', readBoolean, false),
    ready: readOptional(c, f, 'ready', readReadiness, null),
    health: readOptional(c, f, 'health', readHealth, null),
    main: readOptional(c, f, 'main', readBoolean, false),
    required: readOptional(c, f, 'required', readBoolean, true),
  };
  if (config.main && forwardSignals === null) config.forwardSignals = [...MAIN_FORWARD_SIGNALS];
  if (config.oneshot && config.restart === 'always') {
    fail(descend(c, 'restart'), 'a oneshot service cannot use restart: always; use on-failure or no, or remove oneshot', 'no or on-failure');
  }
  return { config, cursor: c, dependencyCursors: dependencies.map((d) => d.cursor) };
}

// YAML 1.1 habits: `restart: no` may arrive as boolean false.
function readRestart(c: Cursor, v: unknown): RestartPolicy {
  return v === false ? 'no' : readEnum(c, v, RESTART_POLICIES);
}

function readEnv(c: Cursor, v: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of readMapping(c, v)) {
    const at = descend(c, key);
    if (key === '' || key.includes('=') || key.includes('\0')) {
      fail(at, 'bad variable name; names cannot be empty or contain "=" or NUL', 'a variable name', 'key');
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') env[key] = String(value);
    else if (value === null || value === undefined) fail(at, 'no value; give it a value (use "" for an empty string) or remove it', 'a string, number or boolean');
    else failType(at, 'a string, number or boolean', value);
  }
  return env;
}

function readForwardSignals(c: Cursor, v: unknown): number[] {
  return readList(c, v, 'a list of signals such as [SIGUSR1]').map((item, i) => {
    const at = descend(c, i);
    const signum = readSignal(at, item);
    if (UNCATCHABLE_SIGNALS.has(signum)) fail(at, `pidone cannot receive ${String(item)}, so it cannot forward it; remove it`, 'a catchable signal');
    return signum;
  });
}

function readBackoff(c: Cursor, v: unknown): Backoff {
  const f = readFields(c, v, BACKOFF_KEYS);
  const backoff: Backoff = {
    initialMs: readOptional(c, f, 'initial', (at, x) => readDuration(at, x, 1), DEFAULT_BACKOFF.initialMs),
    maxMs: readOptional(c, f, 'max', readDuration, DEFAULT_BACKOFF.maxMs),
    factor: readOptional(c, f, 'factor', (at, x) => readNumber(at, x, 1), DEFAULT_BACKOFF.factor),
    resetAfterMs: readOptional(c, f, 'reset_after', readDuration, DEFAULT_BACKOFF.resetAfterMs),
  };
  if (backoff.maxMs < backoff.initialMs) {
    fail(descend(c, f.has('max') ? 'max' : 'initial'), `max (${backoff.maxMs}ms) is shorter than initial (${backoff.initialMs}ms); raise max or lower initial`, 'max >= initial');
  }
  return backoff;
}

interface ParsedDependency {
  dependency: Dependency;
  cursor: Cursor;
}

// ["db"] (condition started), or {db: {condition: ready}}.
function readDependencies(c: Cursor, v: unknown): ParsedDependency[] {
  if (Array.isArray(v)) {
    return v.map((item, i) => {
      const at = descend(c, i);
      return { dependency: { service: readString(at, item), condition: 'started' }, cursor: at };
    });
  }
  if (v instanceof Map || (v !== null && typeof v === 'object')) {
    return [...readMapping(c, v)].map(([service, spec]) => {
      const at = descend(c, service);
      return { dependency: { service, condition: readCondition(at, spec) }, cursor: at };
    });
  }
  return failType(c, 'a list of service names, or a mapping name -> {condition: ...}', v);
}

function readCondition(c: Cursor, v: unknown): Dependency['condition'] {
  if (v === null || v === undefined) return 'started';
  const f: Fields = readFields(c, v, DEPENDENCY_KEYS);
  return readOptional(c, f, 'condition', (at, x) => readEnum(at, x, DEPENDENCY_CONDITIONS), 'started');
}
