// pidone doctor: pure rules. What kind of program the process is, what happens
// to SIGTERM and SIGINT sent to it, whether it is a subreaper, and the verdict.
import { nameSignal, SIGNALS } from '../core/signals';
import type { ProcessFacts } from './inspect';

export type InitKind =
  | 'pidone' | 'tini' | 'dumb-init' | 'catatonit'
  | 'shell'
  | 'node' | 'python' | 'java' | 'pm2-runtime' | 'app'
  | 'systemd' | 's6-svscan' | 'supervisord' | 'runsvdir';

export interface Program {
  kind: InitKind;
  name: string;          // how to call it in a sentence: "/bin/sh", "tini", "node"
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh']);
const FORWARDING_INITS: ReadonlySet<InitKind> = new Set(['pidone', 'tini', 'dumb-init', 'catatonit']);

function base(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).replace(/^-/, ''); // "-bash" is a login shell
}

// argv and comm -> the kind of program. Interpreters are looked through to the
// script they run (node dist/pidone.js, python3 /usr/bin/supervisord). A Node
// app that set process.title has lost "node" from argv and comm, not from exe.
export function classifyProgram(argv: readonly string[], comm: string, exePath: string | null = null): Program {
  const program = classifyByName(argv, comm);
  if (program.kind === 'app' && exePath !== null && /^node(js)?(\d+)?$/.test(base(exePath.replace(/ \(deleted\)$/, '')))) {
    return { kind: 'node', name: program.name };
  }
  return program;
}

function classifyByName(argv: readonly string[], comm: string): Program {
  const arg0 = argv[0] ?? '';
  const exe = base(arg0) || comm;
  const script = argv.slice(1).find((a) => !a.startsWith('-')) ?? '';
  const scriptBase = base(script);
  const named = (kind: InitKind, name = exe): Program => ({ kind, name });

  if (/^node(js)?(\d+)?$/.test(exe) || (exe === '' && comm === 'node')) {
    if (/^pidone(\.js)?$/.test(scriptBase)) return classifyPidone(argv.slice(argv.indexOf(script) + 1));
    if (/^pm2(-runtime|-docker)?$/.test(scriptBase)) return named('pm2-runtime', scriptBase);
    return named('node');
  }
  if (exe === 'pidone' || exe === 'pidone.js') return classifyPidone(argv.slice(1));
  if (/^python(\d+(\.\d+)?)?$/.test(exe)) {
    if (scriptBase === 'supervisord') return named('supervisord', 'supervisord');
    return named('python');
  }
  if (exe === 'java') return named('java');
  if (exe === 'tini' || exe === 'tini-static' || exe === 'docker-init') return named('tini');
  if (exe === 'dumb-init') return named('dumb-init');
  if (exe === 'catatonit') return named('catatonit');
  if (exe === 'supervisord') return named('supervisord');
  if (exe === 's6-svscan') return named('s6-svscan');
  if (exe === 'runsvdir') return named('runsvdir');
  if (exe === 'pm2-runtime' || exe === 'pm2-docker' || comm.startsWith('PM2')) return named('pm2-runtime', 'pm2-runtime');
  if (exe === 'systemd' || comm === 'systemd') return named('systemd', 'systemd');
  if (exe === 'busybox') return SHELLS.has(argv[1] ?? '') ? { kind: 'shell', name: `busybox ${argv[1]}` } : named('app', `busybox ${argv[1] ?? ''}`.trim());
  if (SHELLS.has(exe) || SHELLS.has(comm)) return { kind: 'shell', name: arg0.replace(/^-/, '') || comm };
  return { kind: 'app', name: exe || comm };
}

// `pidone doctor` and `pidone validate` are one-shot tools, not an init.
function classifyPidone(args: readonly string[]): Program {
  const sub = args[0];
  if (sub === 'doctor' || sub === 'validate') return { kind: 'app', name: `pidone ${sub}` };
  return { kind: 'pidone', name: 'pidone' };
}

// ---------------------------------------------------------------- signals

export interface SignalFate {
  signal: string;        // "SIGTERM"
  disposition: 'caught' | 'ignored' | 'blocked' | 'default';
  dropped: boolean | null; // null: depends on code doctor cannot see
  why: string;
}

export function judgeSignal(signum: number, facts: ProcessFacts, program: Program): SignalFate {
  const signal = nameSignal(signum);
  const short = signal.replace(/^SIG/, '');
  const caught = facts.caught.includes(signum);
  const ignored = facts.ignored.includes(signum);
  const blocked = facts.blocked.includes(signum);
  const inSignalfd = facts.signalfd?.includes(signum) ?? false;
  const disposition: SignalFate['disposition'] = caught ? 'caught' : ignored ? 'ignored' : blocked ? 'blocked' : 'default';
  const fate = (dropped: boolean | null, why: string): SignalFate => ({ signal, disposition, dropped, why });
  const init = facts.isNamespaceInit;

  if (FORWARDING_INITS.has(program.kind) && !ignored) {
    const how = program.kind === 'tini' ? ' (it waits for it with sigtimedwait)' : program.kind === 'catatonit' ? ' (it reads it from a signalfd)' : '';
    return fate(false, `${program.name} forwards it to its child${how}`);
  }
  if (caught) {
    if ((program.kind === 'node' || program.kind === 'pm2-runtime') && (signum === SIGNALS.SIGTERM || signum === SIGNALS.SIGINT)) {
      if (!init) return fate(false, `Node's own handler exits the process, or the app's process.on('${signal}') listener runs`);
      return fate(null, `dropped unless the app has a process.on('${signal}') listener: Node's own handler re-raises it with the default action, which the kernel drops for PID 1`);
    }
    return fate(false, 'a signal handler runs');
  }
  if (ignored && !blocked) return fate(true, `ignored (SIG_IGN): the kernel discards ${short}`);
  if (blocked) {
    if (inSignalfd) return fate(false, 'blocked and read from a signalfd');
    return fate(null, 'blocked: it stays pending unless the program takes it with sigwait or a signalfd');
  }
  if (facts.wchan?.startsWith('do_sigtimedwait')) {
    return fate(null, 'no handler, but the process sleeps in sigtimedwait and may be waiting for it');
  }
  if (init) return fate(true, 'no handler: the kernel drops default-action signals sent to the PID 1 of a namespace');
  return fate(false, 'no handler: the default action ends the process');
}

// ---------------------------------------------------------------- subreaper

export interface SubreaperFact {
  value: 'yes' | 'no' | 'unknown' | 'n/a';
  why: string;
}

export function judgeSubreaper(facts: ProcessFacts, program: Program): SubreaperFact {
  if (facts.isNamespaceInit) return { value: 'n/a', why: 'PID 1 of its namespace: every orphan there is re-parented to it anyway' };
  switch (program.kind) {
    case 'pidone': return { value: 'yes', why: 'pidone registers as a child subreaper whenever it is not PID 1' };
    case 'catatonit': return { value: 'yes', why: 'catatonit registers as a child subreaper when it is not PID 1' };
    case 'tini': {
      if (hasTiniFlag(facts.argv, 's')) return { value: 'yes', why: 'tini -s' };
      if (facts.tiniSubreaperEnv) return { value: 'yes', why: 'TINI_SUBREAPER is set' };
      if (facts.tiniSubreaperEnv === null) return { value: 'unknown', why: 'tini registers only with -s or TINI_SUBREAPER, and its environment is not readable' };
      return { value: 'no', why: 'tini registers only with -s or TINI_SUBREAPER' };
    }
    case 'dumb-init': return { value: 'no', why: 'dumb-init never registers as a subreaper' };
    default:
      return { value: 'unknown', why: 'Linux shows the child-subreaper flag only to the process itself (prctl PR_GET_CHILD_SUBREAPER); /proc has no field for it' };
  }
}

// tini's own options: stop at "--" or the first non-option; -p and -e take a value.
export function hasTiniFlag(argv: readonly string[], letter: string): boolean {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--' || !a.startsWith('-') || a === '-') return false;
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      if (c === letter) return true;
      if (c === 'p' || c === 'e') {
        if (j === a.length - 1) i += 1; // the value is the next argument
        break;
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------- verdict

export type Level = 'ok' | 'warn' | 'bad';

export interface Verdict {
  level: Level;
  summary: string;
  advice: string[];
}

export interface Diagnosis {
  program: Program;
  term: SignalFate;
  int: SignalFate;
  subreaper: SubreaperFact;
  verdict: Verdict;
}

export const PIDS_WARN_RATIO = 0.8;
const ENTRYPOINT = 'put `pidone --` in ENTRYPOINT (ENTRYPOINT ["pidone", "--"])';

export function diagnose(facts: ProcessFacts): Diagnosis {
  const program = classifyProgram(facts.argv, facts.comm, facts.exe);
  const term = judgeSignal(SIGNALS.SIGTERM!, facts, program);
  const int = judgeSignal(SIGNALS.SIGINT!, facts, program);
  const subreaper = judgeSubreaper(facts, program);
  const verdict = facts.isNamespaceInit
    ? judgeInit(facts, program, term, int)
    : judgeNonInit(facts, program, subreaper);
  addCommonFindings(facts, program, verdict);
  return { program, term, int, subreaper, verdict };
}

function judgeInit(facts: ProcessFacts, p: Program, term: SignalFate, int: SignalFate): Verdict {
  const who = `PID 1 is ${p.name}`;
  const intToo = int.dropped === true ? '; Ctrl-C (SIGINT) is dropped too' : '';
  const stopHangs = '`docker stop` sends SIGTERM, which is dropped: Docker waits 10 s and then SIGKILLs every process';
  switch (p.kind) {
    case 'pidone':
      return v('ok', `${who}: it reaps zombies, forwards signals and stops the whole process tree gracefully`);
    case 'tini': case 'dumb-init': case 'catatonit':
      return v('ok', `${who}: it reaps zombies and forwards signals`,
        `pidone adds a graceful stop of the whole tree (SIGTERM to every remaining process, SIGKILL at a deadline): \`pidone --\` in place of ${p.name}`);
    case 'shell':
      if (term.dropped === true) {
        return v('bad', `${who}: it reaps zombies but does not forward SIGTERM; ${ENTRYPOINT}`,
          `${stopHangs}${intToo}`,
          'keep the script if you need it, under pidone, and end it with `exec your-program` so signals reach the program');
      }
      return v('warn', `${who}: it reaps zombies, but a shell forwards no signal to its children (its trap runs only after the foreground command ends); ${ENTRYPOINT}`,
        'end the script with `exec your-program` under pidone so signals reach the program');
    case 'node': case 'python': case 'java': case 'app': {
      const reaps = facts.zombies.count > 0
        ? `it does not reap orphans (${facts.zombies.count} zombie(s) now)`
        : 'applications usually do not reap orphans, so zombies pile up';
      if (term.dropped === true) {
        return v('bad', `${who}: SIGTERM will be dropped (no handler, and the kernel drops default-action signals for PID 1), and ${reaps}; ${ENTRYPOINT}`,
          `${stopHangs}${intToo}`);
      }
      if (term.dropped === null) {
        return v(facts.zombies.count > 0 ? 'bad' : 'warn', `${who}: ${p.kind === 'node' ? 'SIGTERM is dropped unless the app listens for it' : 'SIGTERM may be lost'}, and ${reaps}; ${ENTRYPOINT}`,
          `SIGTERM: ${term.why}`);
      }
      return v('warn', `${who}: it handles SIGTERM itself, but ${reaps}; ${ENTRYPOINT}`);
    }
    case 'pm2-runtime':
      return v('bad', `${who}: it does not reap orphans (Node waits only for its own children); ${ENTRYPOINT} in front of it, or run the apps with \`pidone up\``);
    case 'systemd':
      return v('ok', `${who}: it reaps zombies and manages its services`,
        'systemd stops on SIGRTMIN+3, not SIGTERM (SIGTERM makes it re-execute itself): set STOPSIGNAL SIGRTMIN+3 in the image');
    case 's6-svscan':
      return v('ok', `${who}: it reaps zombies and supervises its services`,
        's6 waits forever for a service that ignores SIGTERM unless the service has a timeout-kill file; `pidone up` stops everything within one deadline');
    case 'supervisord':
      return v('ok', `${who}: it reaps zombies and supervises its programs`,
        'supervisord exits 0 whatever its programs did and gives each program its own stopwaitsecs (10 s) on stop; `pidone up` exits with the main service\'s code within one deadline');
    case 'runsvdir':
      return v('ok', `${who}: it reaps zombies and supervises its services`,
        'runsvdir exits at once on SIGTERM and leaves its services to be SIGKILLed; it stops them only on SIGHUP (STOPSIGNAL SIGHUP), or use `pidone up`');
  }
}

function judgeNonInit(facts: ProcessFacts, p: Program, sub: SubreaperFact): Verdict {
  const who = `pid ${facts.pid} (${p.name}) is not PID 1 of its namespace`;
  if (p.kind === 'pidone') return v('ok', `${who}: it is a child subreaper, so it reaps the orphans of its own tree and forwards signals to its child`);
  if ((p.kind === 'tini' || p.kind === 'dumb-init') && sub.value === 'no') {
    return v('warn', `${who} and not a subreaper: orphans of its child escape to the real PID 1`,
      p.kind === 'tini' ? 'add -s (or TINI_SUBREAPER=1), or use `pidone --`, which registers by itself' : 'use `pidone --`, which registers as a subreaper by itself');
  }
  if (FORWARDING_INITS.has(p.kind)) return v('ok', `${who}: it forwards signals to its child; subreaper: ${sub.value} (${sub.why})`);
  if (p.kind === 'shell') {
    return v('warn', `${who}: SIGTERM ends the shell but not its children, which a shell does not signal`,
      'end the script with `exec your-program` so signals reach the program');
  }
  return v('ok', `${who}: SIGTERM reaches it directly and orphans of its children go to their subreaper or PID 1`);
}

function addCommonFindings(facts: ProcessFacts, p: Program, verdict: Verdict): void {
  const z = facts.zombies;
  if (z.count > 0) {
    raise(verdict, 'warn');
    for (const g of z.byParent.slice(0, 5)) {
      const isTarget = g.ppid === facts.pid;
      const whose = isTarget ? `children of ${facts.isNamespaceInit ? 'PID 1' : `pid ${g.ppid}`} (${p.name})` : `children of pid ${g.ppid} (${g.parentCommand})`;
      const why = isTarget
        ? (FORWARDING_INITS.has(p.kind) ? 'it reaps them on its next turn; if the count stays, something is wrong' : 'it does not wait for them')
        : 'their parent is alive and has not waited for them; no init can reap them until it exits';
      verdict.advice.push(`${g.pids.length} zombie(s), ${whose}: ${why}`);
    }
    if (z.byParent.length > 5) verdict.advice.push(`and ${z.byParent.length - 5} more parent(s) with zombies`);
  }
  const lim = facts.pids.limit;
  if (lim && lim.current / Math.max(lim.max, 1) > PIDS_WARN_RATIO) {
    raise(verdict, 'warn');
    verdict.advice.push(`pids.current ${lim.current} of pids.max ${lim.max} in cgroup ${lim.cgroup} (${Math.round((100 * lim.current) / Math.max(lim.max, 1))}%): at the limit fork and new threads fail with EAGAIN; raise the limit (docker --pids-limit) or look for a leak`);
  }
}

function v(level: Level, summary: string, ...advice: string[]): Verdict {
  return { level, summary, advice };
}

const RANK: Readonly<Record<Level, number>> = { ok: 0, warn: 1, bad: 2 };

function raise(verdict: Verdict, level: Level): void {
  if (RANK[level] > RANK[verdict.level]) verdict.level = level;
}

// doctor's exit status: 0 ok, 3 warn, 4 bad (2 is a bad argument, set by the caller).
export const DOCTOR_EXIT: Readonly<Record<Level, number>> = { ok: 0, warn: 3, bad: 4 };
export const DOCTOR_EXIT_USAGE = 2;
