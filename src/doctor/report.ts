// pidone doctor: the facts and the diagnosis as aligned text or as one JSON object. Pure.
import { nameSignal, SIGRTMIN } from '../core/signals';
import type { PidsFacts, ProcessFacts } from './inspect';
import { DOCTOR_EXIT, type Diagnosis, type SignalFate } from './verdict';

export interface DoctorReport {
  pid: number;
  nsPid: number | null;
  isNamespaceInit: boolean;
  command: string;
  argv: string[];
  comm: string;
  exe: string | null;
  state: string;
  ppid: number;
  kind: string;
  name: string;
  signals: { caught: string[]; ignored: string[]; blocked: string[]; signalfd: string[] | null; wchan: string | null };
  sigterm: Omit<SignalFate, 'signal'>;
  sigint: Omit<SignalFate, 'signal'>;
  zombies: ProcessFacts['zombies'];
  subreaper: Diagnosis['subreaper'];
  pids: PidsFacts;
  pidMax: number | null;
  notes: string[];
  verdict: Diagnosis['verdict'];
  exitCode: number;
}

export function buildReport(f: ProcessFacts, d: Diagnosis): DoctorReport {
  const names = (sigs: readonly number[]): string[] => sigs.map(nameSignal);
  const fate = ({ signal: _signal, ...rest }: SignalFate): Omit<SignalFate, 'signal'> => rest;
  return {
    pid: f.pid,
    nsPid: f.nsPid,
    isNamespaceInit: f.isNamespaceInit,
    command: f.command,
    argv: f.argv,
    comm: f.comm,
    exe: f.exe,
    state: f.state,
    ppid: f.ppid,
    kind: d.program.kind,
    name: d.program.name,
    signals: { caught: names(f.caught), ignored: names(f.ignored), blocked: names(f.blocked), signalfd: f.signalfd && names(f.signalfd), wchan: f.wchan },
    sigterm: fate(d.term),
    sigint: fate(d.int),
    zombies: f.zombies,
    subreaper: d.subreaper,
    pids: f.pids,
    pidMax: f.pidMax,
    notes: f.notes,
    verdict: d.verdict,
    exitCode: DOCTOR_EXIT[d.verdict.level],
  };
}

export function renderJson(r: DoctorReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

// "HUP INT TERM RTMIN..RTMIN+30": short names, runs of real-time signals folded.
export function formatSignalList(sigs: readonly number[]): string {
  if (sigs.length === 0) return '-';
  const out: string[] = [];
  const short = (s: number): string => {
    const n = nameSignal(s);
    return n.startsWith('SIG') ? n.slice(3) : String(s);
  };
  for (let i = 0; i < sigs.length; i++) {
    const s = sigs[i]!;
    let j = i;
    while (s >= SIGRTMIN && j + 1 < sigs.length && sigs[j + 1] === sigs[j]! + 1) j++;
    if (j - i >= 2) { out.push(`${short(s)}..${short(sigs[j]!)}`); i = j; } else out.push(short(s));
  }
  return out.join(' ');
}

function formatFate(f: SignalFate): string {
  const head = f.dropped === true ? 'DROPPED' : f.dropped === false ? 'delivered' : 'maybe dropped';
  return `${head} (${f.disposition}): ${f.why}`;
}

export function formatPids(p: PidsFacts): string {
  const where = p.cgroup === null ? '' : ` in cgroup ${p.cgroup} (${p.version})`;
  if (p.current === null && p.max === null) return `unknown${where}: ${p.note ?? 'no pids controller'}`;
  const cur = p.current === null ? '?' : String(p.current);
  let text = p.max === 'max' || p.max === null ? `${cur}, no limit here` : `${cur} of ${p.max}${pct(p.current, p.max)}`;
  text += where;
  if (p.limit && p.limit.cgroup !== p.cgroup) text += `; tightest limit: ${p.limit.current} of ${p.limit.max}${pct(p.limit.current, p.limit.max)} in ${p.limit.cgroup}`;
  return text;
}

function pct(cur: number | null, max: number): string {
  return cur === null ? '' : ` (${Math.round((100 * cur) / Math.max(max, 1))}%)`;
}

export function renderText(f: ProcessFacts, d: Diagnosis): string {
  const rows: Array<[string, string]> = [];
  const ns = f.isNamespaceInit ? 'PID 1 of its namespace' : f.nsPid !== null && f.nsPid !== f.pid ? `pid ${f.nsPid} in its own namespace, not PID 1` : 'not PID 1 of its namespace';
  rows.push(['pid', `${f.pid} (${ns})`]);
  rows.push(['command', f.command]);
  rows.push(['kind', d.program.kind]);
  rows.push(['catches', formatSignalList(f.caught)]);
  rows.push(['ignores', formatSignalList(f.ignored)]);
  rows.push(['blocks', formatSignalList(f.blocked)]);
  if (f.signalfd && f.signalfd.length > 0) rows.push(['signalfd', formatSignalList(f.signalfd)]);
  rows.push(['SIGTERM', formatFate(d.term)]);
  rows.push(['SIGINT', formatFate(d.int)]);
  const z = f.zombies;
  const zText = z.count === 0 ? '0' : `${z.count}: ${z.byParent.map((g) => `${g.pids.length} of pid ${g.ppid} (${g.parentCommand})`).join(', ')}`;
  rows.push(['zombies', `${zText}${z.scope === 'descendants' ? ' (among its descendants)' : ''}`]);
  rows.push(['subreaper', `${d.subreaper.value} (${d.subreaper.why})`]);
  rows.push(['pids', formatPids(f.pids)]);
  rows.push(['kernel.pid_max', f.pidMax === null ? 'unknown' : String(f.pidMax)]);
  for (const n of f.notes) rows.push(['note', n]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const lines = rows.map(([k, val]) => `${`${k}:`.padEnd(width)}${val}`);
  lines.push('', `verdict: ${d.verdict.level.toUpperCase()}: ${d.verdict.summary}`);
  for (const a of d.verdict.advice) lines.push(`  - ${a}`);
  return `${lines.join('\n')}\n`;
}
