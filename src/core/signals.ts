// Linux signal numbers (x86_64 and arm64 share them), and the policy of which
// ones pidone forwards. No I/O here.

export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7,
  SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13,
  SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19,
  SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(SIGNALS).map(([name, num]) => [num, name]),
);

// Forwarded through process.on(). The fault signals (SEGV BUS FPE ILL ABRT TRAP
// SYS) are left alone so a real crash of pidone ends the container instead of
// hanging it; TTIN/TTOU are sent to the group by the terminal itself; CHLD
// belongs to the reaper; PROF belongs to profilers.
export const FORWARDED_SIGNALS: readonly string[] = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGPIPE', 'SIGALRM',
  'SIGTERM', 'SIGSTKFLT', 'SIGCONT', 'SIGTSTP', 'SIGURG', 'SIGXCPU', 'SIGXFSZ',
  'SIGVTALRM', 'SIGWINCH', 'SIGIO', 'SIGPWR',
];

// Signals that begin a stop of the container.
export const STOP_SIGNALS: ReadonlySet<number> = new Set([SIGNALS.SIGTERM, SIGNALS.SIGINT, SIGNALS.SIGQUIT]);

// Default action "ignore", "stop" or "continue": everything else terminates.
const NON_TERMINATING: ReadonlySet<number> = new Set([
  SIGNALS.SIGCHLD, SIGNALS.SIGCONT, SIGNALS.SIGURG, SIGNALS.SIGWINCH,
  SIGNALS.SIGSTOP, SIGNALS.SIGTSTP, SIGNALS.SIGTTIN, SIGNALS.SIGTTOU,
]);

export function isTerminatingSignal(signum: number): boolean {
  return signum >= 1 && signum <= SIGRTMAX && !NON_TERMINATING.has(signum);
}

export function nameSignal(signum: number): string {
  const name = NAMES.get(signum);
  if (name) return name;
  if (signum >= SIGRTMIN && signum <= SIGRTMAX) {
    return signum === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${signum - SIGRTMIN}`;
  }
  return `signal ${signum}`;
}

export type SignalParse =
  | { kind: 'ok'; signum: number }
  | { kind: 'invalid'; reason: string };

// Accepts "15", "TERM", "SIGTERM", "sigterm", "RTMIN+2", "SIGRTMAX-1".
export function parseSignal(text: string, opts: { allowZero?: boolean } = {}): SignalParse {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n === 0 && opts.allowZero) return { kind: 'ok', signum: 0 };
    if (n >= 1 && n <= SIGRTMAX) return { kind: 'ok', signum: n };
    return { kind: 'invalid', reason: `signal number ${t} is out of range 1-${SIGRTMAX}` };
  }
  const upper = t.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const known = SIGNALS[name];
  if (known !== undefined) return { kind: 'ok', signum: known };
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const base = rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
    const offset = rt[3] === undefined ? 0 : Number(rt[3]) * (rt[2] === '-' ? -1 : 1);
    const n = base + offset;
    if (n >= SIGRTMIN && n <= SIGRTMAX) return { kind: 'ok', signum: n };
  }
  return { kind: 'invalid', reason: `unknown signal "${text}" (use a name such as SIGTERM or a number)` };
}

export type SignalRewrites = ReadonlyMap<number, number>;

// What to forward for a received signal: the rewrite target, or null to drop it.
export function translateSignal(signum: number, rewrites: SignalRewrites): number | null {
  const to = rewrites.get(signum);
  if (to === undefined) return signum;
  return to === 0 ? null : to;
}
