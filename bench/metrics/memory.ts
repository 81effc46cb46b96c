// Memory: VmRSS and VmHWM of the init's host pid while it supervises one idle
// child (`sleep`), read from /proc/<pid>/status after a settle period. The
// bare-runtime rows are `node -e 'setInterval(()=>{},1e9)'` as PID 1.
import { readFileSync } from 'node:fs';
import { wrapInNamespace } from '../namespace';
import { describeFailure, killPid, sleep, startProcess, trackPid, untrackPid, waitForChild, type LiveProcess, type RunResult } from '../processes';
import { maximum, median, minimum } from '../stats';
import { listInits, type Subject } from '../subjects';
import { formatMiB, formatRatio, type Table } from '../table';
import { judgeAtMost, RSS_LIMIT_MIB_NODE20 } from '../targets';
import { rotate, SampleBook, type BenchContext, type MetricReport } from './context';

export const FIELDS = ['VmRSS', 'VmHWM', 'RssAnon', 'RssFile', 'Threads'] as const;
export type Field = typeof FIELDS[number];
const START_TIMEOUT_MS = 15_000;
const IDLE_LOOP = 'setInterval(()=>{},1e9)';

export async function measureMemory(ctx: BenchContext): Promise<MetricReport> {
  const subjects = ctx.subjects;
  const books = new Map<Field, SampleBook>(FIELDS.map((f) => [f, new SampleBook()]));
  const failures: string[] = [];
  for (let rep = 0; rep < ctx.profile.memoryReps; rep++) {
    ctx.progress(`memory: repetition ${rep + 1}/${ctx.profile.memoryReps}`);
    for (const s of rotate(subjects, rep)) {
      const r = await sampleOne(ctx, s);
      if (r.kind === 'failed') { failures.push(`${s.label}: ${r.reason}`); continue; }
      for (const f of FIELDS) books.get(f)!.add(s.id, r.status[f]);
    }
  }
  const rss = books.get('VmRSS')!;
  const hwm = books.get('VmHWM')!;
  const anon = books.get('RssAnon')!;
  const threads = books.get('Threads')!;
  const hasTini = listInits(subjects).some((s) => s.id === 'tini');
  const tiniRss = hasTini ? median(rss.get('tini')) : null;
  const table: Table = {
    title: 'Memory with one idle child (sleep), after a settle period',
    header: ['init', 'VmRSS median', 'min – max', 'ratio vs tini', 'VmHWM median', 'RssAnon (private)', 'threads', 'target', 'met?'],
    rows: [],
    notes: [
      `${ctx.profile.memoryReps} interleaved run(s) per row; /proc/<host pid>/status read ${ctx.profile.memorySettleMs} ms after the init's child appeared. MiB = 1024² bytes (the kB of /proc is KiB).`,
      '"bare node" rows: the runtime alone waiting on a timer, no child and no pidone code: the floor pidone cannot go below.',
      `Target: pidone on Node 20, VmRSS ≤ ${RSS_LIMIT_MIB_NODE20} MB, read here as MiB; a figure between ${(RSS_LIMIT_MIB_NODE20 * 1e6 / 1048576).toFixed(1)} and ${RSS_LIMIT_MIB_NODE20} MiB meets it only in MiB and says so.`,
    ],
  };
  for (const s of subjects) {
    const m = median(rss.get(s.id));
    let target = '—';
    let met = '—';
    if (s.kind === 'init' && s.flavor === 'pidone' && s.runtime?.major === 20) {
      target = `≤ ${RSS_LIMIT_MIB_NODE20} MB`;
      met = judgeRss(m);
    }
    table.rows.push([
      s.label,
      formatMiB(m),
      `${formatMiB(minimum(rss.get(s.id)))} – ${formatMiB(maximum(rss.get(s.id)))}`,
      formatRatio(m, tiniRss),
      formatMiB(median(hwm.get(s.id))),
      formatMiB(median(anon.get(s.id))),
      String(median(threads.get(s.id))),
      target,
      met,
    ]);
  }
  if (failures.length > 0) table.notes.push(`${failures.length} run(s) failed and are not in the figures; first: ${failures[0]}`);
  return {
    id: 'memory',
    tables: [table],
    skipped: null,
    data: { unit: 'KiB (Threads: count)', ...Object.fromEntries([...books].map(([f, b]) => [f, b.toJSON()])), failures },
  };
}

export function judgeRss(kib: number): string {
  const inMiB = judgeAtMost(kib / 1024, RSS_LIMIT_MIB_NODE20);
  const inMB = judgeAtMost(kib * 1024 / 1e6, RSS_LIMIT_MIB_NODE20);
  if (inMiB === inMB) return inMiB;
  return 'yes in MiB, no in 10⁶ bytes';
}

type Sample = { kind: 'ok'; status: Record<Field, number> } | { kind: 'failed'; reason: string };

async function sampleOne(ctx: BenchContext, s: Subject): Promise<Sample> {
  const cmd = s.kind === 'init' ? s.command(['sleep', '1000']) : [s.runtime.bin, '-e', IDLE_LOOP];
  const ns = startProcess(wrapInNamespace(cmd), START_TIMEOUT_MS + ctx.profile.memorySettleMs + 10_000);
  let init: number | null = null;
  try {
    init = await waitForChild(ns.pid, START_TIMEOUT_MS);
    if (init === null) return { kind: 'failed', reason: describeFailure('no init appeared; unshare', await endEarly(ns)) };
    trackPid(init);
    if (s.kind === 'init' && (await waitForChild(init, START_TIMEOUT_MS)) === null) {
      return { kind: 'failed', reason: 'the init never started its child' };
    }
    await sleep(ctx.profile.memorySettleMs);
    const status = readStatus(init);
    if (!status) return { kind: 'failed', reason: `cannot read /proc/${init}/status` };
    return { kind: 'ok', status };
  } finally {
    if (init !== null) { killPid(init); untrackPid(init); }
    ns.kill();
    await ns.exited;
  }
}

async function endEarly(ns: LiveProcess): Promise<RunResult> {
  ns.kill();
  return ns.exited;
}

// Also used by supervisor-memory.ts.
export function readStatus(pid: number): Record<Field, number> | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const out = {} as Record<Field, number>;
  for (const f of FIELDS) {
    const m = new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(text);
    if (!m) return null;
    out[f] = Number(m[1]);
  }
  return out;
}
