// argv -> a typed Mode. Pure: reads only the arrays and the env object it is given.
import { parseDuration } from '../core/duration';
import { MAX_ID } from '../core/ids';
import { parseSignal } from '../core/signals';

export const DEFAULT_GRACE_MS = 8000;
export const DEFAULT_VERBOSITY = 1; // warnings, as tini

export interface RunOptions {
  command: string[];
  commandIndex: number;        // where the command starts in the args given to parseArgs
  verbosity: number;           // 0 silent, 1 warnings, 2 info (-v), 3 debug (-vv), 4 trace (-vvv)
  killProcessGroup: boolean;   // tini -g: forward signals to the child's group
  session: 'group' | 'session'; // 'session' is dumb-init's setsid mode (also signals the group)
  parentDeathSignal: number | null;
  remapToZero: Set<number>;
  warnOnReap: boolean;
  rewrites: Map<number, number>;
  graceMs: number;
  treeStop: boolean;
  socket: string | null;        // control socket path; null: the default
  healthPort: number | null;
  healthHost: string;
}

export interface UpOptions {
  file: string;
  socket: string | null;       // null: the default path (see control/socket-path.ts)
  healthPort: number | null;
  healthHost: string;
  logFormat: 'text' | 'json' | null; // null: as the config file says
  timestamps: boolean | null;
  verbosity: number;
}

export type ControlCommand =
  | { cmd: 'status'; json: boolean }
  | { cmd: 'check'; what: 'ready' | 'live' }
  | { cmd: 'ps'; json: boolean }
  | { cmd: 'restart' | 'stop' | 'start'; service: string }
  | { cmd: 'signal'; service: string; signal: number };

export interface ControlOptions {
  socket: string | null;
  command: ControlCommand;
}

export interface ExecAsOptions {
  uid: number;
  gid: number;
  groups: number[];
  keepFds: number[];
  command: string[];
}

export type Mode =
  | { kind: 'run'; options: RunOptions }
  | { kind: 'up'; options: UpOptions }
  | { kind: 'validate'; file: string }
  | { kind: 'exec-as'; options: ExecAsOptions }
  | { kind: 'control'; options: ControlOptions }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'license' }
  | { kind: 'usage-error'; message: string };

type Env = Readonly<Record<string, string | undefined>>;

interface Flag {
  takesValue: boolean;
  apply(o: RunOptions, value: string): string | null | Mode; // error text, or a terminal Mode
}

const SHORT: Readonly<Record<string, Flag>> = {
  h: { takesValue: false, apply: () => ({ kind: 'help' }) },
  V: { takesValue: false, apply: () => ({ kind: 'version' }) },
  l: { takesValue: false, apply: () => ({ kind: 'license' }) },
  s: { takesValue: false, apply: () => null }, // pidone is always a subreaper when not PID 1
  g: { takesValue: false, apply: (o) => { o.killProcessGroup = true; return null; } },
  c: { takesValue: false, apply: (o) => { o.session = 'group'; o.killProcessGroup = false; return null; } },
  w: { takesValue: false, apply: (o) => { o.warnOnReap = true; return null; } },
  v: { takesValue: false, apply: (o) => { o.verbosity += 1; return null; } },
  p: { takesValue: true, apply: (o, v) => applyDeathSignal(o, v) },
  e: { takesValue: true, apply: (o, v) => applyRemap(o, v) },
  r: { takesValue: true, apply: (o, v) => applyRewrite(o, v) },
};

const LONG: Readonly<Record<string, Flag>> = {
  help: SHORT.h!,
  version: SHORT.V!,
  license: SHORT.l!,
  subreaper: SHORT.s!,
  'process-group': SHORT.g!,
  'single-child': SHORT.c!,
  'warn-on-reap': SHORT.w!,
  verbose: SHORT.v!,
  'pdeath-signal': SHORT.p!,
  'expect-exit': SHORT.e!,
  rewrite: SHORT.r!,
  setsid: { takesValue: false, apply: (o) => { o.session = 'session'; o.killProcessGroup = true; return null; } },
  grace: { takesValue: true, apply: (o, v) => applyGrace(o, v, '--grace') },
  'no-tree-stop': { takesValue: false, apply: (o) => { o.treeStop = false; return null; } },
  socket: { takesValue: true, apply: (o, v) => { o.socket = v; return null; } },
  'health-port': { takesValue: true, apply: (o, v) => applyHealthPort(o, v) },
  'health-host': { takesValue: true, apply: (o, v) => { o.healthHost = v; return null; } },
};

export const SUBCOMMANDS = ['up', 'validate', 'exec-as', 'status', 'check', 'ps', 'restart', 'stop', 'start', 'signal', 'doctor'] as const;

export function parseArgs(args: readonly string[], env: Env): Mode {
  switch (args[0]) {
    case 'up': return parseUp(args.slice(1), env);
    case 'validate': return parseValidate(args.slice(1), env);
    case 'exec-as': return parseExecAs(args.slice(1));
    case 'status': case 'check': case 'ps': case 'restart': case 'stop': case 'start': case 'signal':
      return parseControl(args[0], args.slice(1));
    default: return parseRun(args, env);
  }
}

function parseRun(args: readonly string[], env: Env): Mode {
  const o = makeDefaults(env);
  if (typeof o === 'string') return { kind: 'usage-error', message: o };
  let i = 0;
  while (i < args.length) {
    const arg = args[i]!;
    if (arg === '--') { i += 1; break; }
    if (arg === '-' || !arg.startsWith('-')) break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const flag = LONG[name];
      if (!flag) return usage(`unknown option '--${name}'`);
      let value = '';
      if (flag.takesValue) {
        if (eq >= 0) value = arg.slice(eq + 1);
        else if (i + 1 < args.length) value = args[++i]!;
        else return usage(`option '--${name}' needs a value`);
      } else if (eq >= 0) {
        return usage(`option '--${name}' takes no value`);
      }
      const out = flag.apply(o, value);
      if (typeof out === 'string') return usage(out);
      if (out) return out;
      i += 1;
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!;
      const flag = SHORT[letter];
      if (!flag) return usage(`unknown option '-${letter}'`);
      let value = '';
      if (flag.takesValue) {
        if (j + 1 < arg.length) value = arg.slice(j + 1);
        else if (i + 1 < args.length) value = args[++i]!;
        else return usage(`option '-${letter}' needs a value`);
        j = arg.length;
      }
      const out = flag.apply(o, value);
      if (typeof out === 'string') return usage(out);
      if (out) return out;
    }
    i += 1;
  }
  if (i >= args.length) return usage('no command given; put it after the options, e.g. pidone -- node server.js');
  o.command = args.slice(i);
  o.commandIndex = i;
  return { kind: 'run', options: o };
}

function makeDefaults(env: Env): RunOptions | string {
  const o: RunOptions = {
    command: [],
    commandIndex: 0,
    verbosity: DEFAULT_VERBOSITY,
    killProcessGroup: false,
    session: 'group',
    parentDeathSignal: null,
    remapToZero: new Set(),
    warnOnReap: false,
    rewrites: new Map(),
    graceMs: DEFAULT_GRACE_MS,
    treeStop: true,
    socket: null,
    healthPort: null,
    healthHost: '127.0.0.1',
  };
  if (isSet(env.TINI_KILL_PROCESS_GROUP)) o.killProcessGroup = true;
  if (env.TINI_VERBOSITY !== undefined && env.TINI_VERBOSITY !== '') {
    const n = Number(env.TINI_VERBOSITY);
    if (!Number.isInteger(n) || n < 0) return `TINI_VERBOSITY must be a whole number, not "${env.TINI_VERBOSITY}"`;
    o.verbosity = n;
  }
  if (env.DUMB_INIT_SETSID === '1') { o.session = 'session'; o.killProcessGroup = true; }
  if (env.PIDONE_GRACE !== undefined && env.PIDONE_GRACE !== '') {
    const err = applyGrace(o, env.PIDONE_GRACE, 'PIDONE_GRACE');
    if (err) return err;
  }
  if (env.PIDONE_TREE_STOP === '0') o.treeStop = false;
  return o;
}

// tini treats any non-empty value as set.
function isSet(v: string | undefined): boolean {
  return v !== undefined && v !== '';
}

function applyDeathSignal(o: RunOptions, v: string): string | null {
  const sig = parseSignal(v);
  if (sig.kind === 'invalid') return `-p: ${sig.reason}`;
  o.parentDeathSignal = sig.signum;
  return null;
}

function applyRemap(o: RunOptions, v: string): string | null {
  if (!/^\d+$/.test(v) || Number(v) > 255) return `-e: exit code must be 0-255, not "${v}"`;
  o.remapToZero.add(Number(v));
  return null;
}

function applyRewrite(o: RunOptions, v: string): string | null {
  const parts = v.split(':');
  if (parts.length !== 2) return `--rewrite: expected FROM:TO such as 15:3, not "${v}"`;
  const from = parseSignal(parts[0]!);
  const to = parseSignal(parts[1]!, { allowZero: true });
  if (from.kind === 'invalid') return `--rewrite: ${from.reason}`;
  if (to.kind === 'invalid') return `--rewrite: ${to.reason}`;
  o.rewrites.set(from.signum, to.signum);
  return null;
}

function applyHealthPort(o: RunOptions, v: string): string | null {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) return `--health-port must be a port number 1-65535, not "${v}"`;
  o.healthPort = Number(v);
  return null;
}

function applyGrace(o: RunOptions, v: string, where: string): string | null {
  const d = parseDuration(v);
  if (d.kind === 'invalid') return `${where}: ${d.reason}`;
  o.graceMs = d.ms;
  return null;
}

function usage(message: string): Mode {
  return { kind: 'usage-error', message };
}

function defaultConfigFile(env: Env): string {
  return env.PIDONE_CONFIG && env.PIDONE_CONFIG !== '' ? env.PIDONE_CONFIG : 'pidone.yaml';
}

// pidone up [-f FILE] [--log-format text|json] [--timestamps] [-v...]
function parseUp(args: readonly string[], env: Env): Mode {
  const o: UpOptions = { file: defaultConfigFile(env), socket: null, healthPort: null, healthHost: '127.0.0.1', logFormat: null, timestamps: null, verbosity: DEFAULT_VERBOSITY };
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = splitOption(args[i]!);
    const value = (): string | null => inline ?? (i + 1 < args.length ? args[++i]! : null);
    switch (name) {
      case '-f': case '--file': {
        const v = value();
        if (v === null) return usage(`option '${name}' needs a config file path`);
        o.file = v;
        break;
      }
      case '--log-format': {
        const v = value();
        if (v !== 'text' && v !== 'json') return usage(`--log-format must be text or json, not "${v ?? ''}"`);
        o.logFormat = v;
        break;
      }
      case '--timestamps': o.timestamps = true; break;
      case '--socket': {
        const v = value();
        if (!v) return usage('--socket needs a path');
        o.socket = v;
        break;
      }
      case '--health-port': {
        const v = value();
        if (v === null || !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) return usage(`--health-port must be a port number 1-65535, not "${v ?? ''}"`);
        o.healthPort = Number(v);
        break;
      }
      case '--health-host': {
        const v = value();
        if (!v) return usage('--health-host needs an address, e.g. 0.0.0.0');
        o.healthHost = v;
        break;
      }
      case '-v': case '--verbose': o.verbosity += 1; break;
      case '-vv': o.verbosity += 2; break;
      case '-vvv': o.verbosity += 3; break;
      case '-h': case '--help': return { kind: 'help' };
      default: return usage(`unknown option '${args[i]}' for pidone up`);
    }
  }
  return { kind: 'up', options: o };
}

function parseValidate(args: readonly string[], env: Env): Mode {
  let file = defaultConfigFile(env);
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = splitOption(args[i]!);
    if (name === '-f' || name === '--file') {
      const v = inline ?? (i + 1 < args.length ? args[++i]! : null);
      if (v === null) return usage(`option '${name}' needs a config file path`);
      file = v;
    } else if (!name.startsWith('-') && i === args.length - 1) {
      file = name;
    } else {
      return usage(`unknown option '${args[i]}' for pidone validate`);
    }
  }
  return { kind: 'validate', file };
}

// Internal: pidone exec-as UID:GID:G1,G2 --keep-fds=0,1,2 -- CMD... (how services with user: start)
function parseExecAs(args: readonly string[]): Mode {
  const ids = /^(\d+):(\d+):([\d,]*)$/.exec(args[0] ?? '');
  if (!ids) return usage('exec-as needs UID:GID:GROUPS');
  const keep = /^--keep-fds=([\d,]+)$/.exec(args[1] ?? '');
  if (!keep || args[2] !== '--' || args.length < 4) return usage('exec-as needs --keep-fds=LIST -- COMMAND');
  const list = (s: string): number[] => s.split(',').filter(Boolean).map(Number);
  if ([Number(ids[1]), Number(ids[2]), ...list(ids[3]!)].some((n) => n > MAX_ID)) return usage(`exec-as: an id is out of range 0-${MAX_ID}`);
  return { kind: 'exec-as', options: { uid: Number(ids[1]), gid: Number(ids[2]), groups: list(ids[3]!), keepFds: list(keep[1]!), command: args.slice(3) } };
}

function splitOption(arg: string): [string, string | null] {
  const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
  return eq < 0 ? [arg, null] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

// pidone status [--json] | check [--ready|--live] | ps [--json] | restart|stop|start NAME | signal NAME SIG
function parseControl(cmd: string, args: readonly string[]): Mode {
  let socket: string | null = null;
  let json = false;
  let what: 'ready' | 'live' = 'ready';
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = splitOption(args[i]!);
    if (name === '--socket') {
      const v = inline ?? (i + 1 < args.length ? args[++i]! : null);
      if (!v) return usage('--socket needs a path');
      socket = v;
    } else if (name === '--json' && (cmd === 'status' || cmd === 'ps')) json = true;
    else if ((name === '--ready' || name === '--live') && cmd === 'check') what = name === '--ready' ? 'ready' : 'live';
    else if (name.startsWith('-')) return usage(`unknown option '${args[i]}' for pidone ${cmd}`);
    else rest.push(args[i]!);
  }
  const need = cmd === 'signal' ? 2 : cmd === 'restart' || cmd === 'stop' || cmd === 'start' ? 1 : 0;
  if (rest.length !== need) {
    const shape = cmd === 'signal' ? 'NAME SIGNAL' : need === 1 ? 'NAME' : '';
    return usage(`pidone ${cmd} takes ${need === 0 ? 'no arguments' : shape}`);
  }
  let command: ControlCommand;
  switch (cmd) {
    case 'status': command = { cmd: 'status', json }; break;
    case 'ps': command = { cmd: 'ps', json }; break;
    case 'check': command = { cmd: 'check', what }; break;
    case 'signal': {
      const sig = parseSignal(rest[1]!);
      if (sig.kind === 'invalid') return usage(`pidone signal: ${sig.reason}`);
      command = { cmd: 'signal', service: rest[0]!, signal: sig.signum };
      break;
    }
    default: command = { cmd: cmd as 'restart' | 'stop' | 'start', service: rest[0]! };
  }
  return { kind: 'control', options: { socket, command } };
}
