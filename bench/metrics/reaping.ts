// Reaping: a C child makes BURSTS x SIZE orphans (each middle process makes a
// grandchild that exits at once, then exits itself, so the zombie is re-parented
// to PID 1) and times how long the namespace takes to have no orphan zombie
// left. Each run sits in its own pids cgroup so nothing can exhaust the
// machine's PID table.
import { readFileSync } from 'node:fs';
import { makeBenchPidsCgroup, readPidsPeak, removePidsCgroup } from '../cgroup';
import { wrapInNamespace } from '../namespace';
import { describeFailure, parseKeyValues, runCommand } from '../processes';
import { median } from '../stats';
import { listInits, type InitSubject } from '../subjects';
import { formatCount, formatMs, formatRatio, formatUs, type Table } from '../table';
import { judgeAtMost, REAP_CPU_VS_TINI, REAP_TIME_VS_TINI, type Verdict } from '../targets';
import { rotate, SampleBook, type BenchContext, type MetricReport } from './context';

const RUN_TIMEOUT_MS = 120_000;
const PID_HEADROOM = 4000; // left free for everyone else on the machine

const FIGURES = ['timeToZero', 'makeTime', 'peakZombies', 'cpuStatPerOrphan', 'cpuSchedPerOrphan', 'forkRetries', 'missed', 'pidsPeak'] as const;
type Figure = typeof FIGURES[number];

export async function measureReaping(ctx: BenchContext): Promise<MetricReport> {
  const p = ctx.profile;
  if (ctx.cgroups.kind === 'missing') {
    return skip(`not run: ${ctx.cgroups.reason}. Without a pids cap an init that falls behind could exhaust the machine's PID table.`);
  }
  const room = measurePidRoom();
  if (room < p.reapPidsMax + PID_HEADROOM) {
    return skip(`not run: only ${room} free pids on the machine, fewer than the cap ${p.reapPidsMax} plus ${PID_HEADROOM} headroom.`);
  }
  const inits = listInits(ctx.subjects);
  const books = new Map<Figure, SampleBook>(FIGURES.map((f) => [f, new SampleBook()]));
  const failures: string[] = [];
  for (let rep = 0; rep < p.reapReps; rep++) {
    ctx.progress(`reaping: repetition ${rep + 1}/${p.reapReps}`);
    for (const s of rotate(inits, rep)) {
      const r = await runOne(ctx, s, { parent: ctx.cgroups.parent, version: ctx.cgroups.version });
      if (r.kind === 'failed') { failures.push(`${s.label}: ${r.reason}`); continue; }
      for (const f of FIGURES) books.get(f)!.add(s.id, r.figures[f]);
    }
  }
  const med = (f: Figure, id: string): number => median(books.get(f)!.get(id));
  const hasTini = inits.some((s) => s.id === 'tini');
  const tini = (f: Figure): number | null => (hasTini ? med(f, 'tini') : null);
  const orphans = p.reapBursts * p.reapBurstSize;
  const table: Table = {
    title: `Reaping: ${orphans} orphans in bursts of ${p.reapBurstSize}`,
    header: ['init', 'time to zero', 'ratio vs tini', 'generator alone', 'peak zombies', 'CPU/orphan (stat)', 'ratio vs tini', 'CPU/orphan (schedstat)', 'ratio vs tini', 'target', 'met?'],
    rows: [],
    notes: [
      `${p.reapReps} interleaved run(s) per row, each in its own pids cgroup (pids.max ${p.reapPidsMax}, cgroup v${ctx.cgroups.version}).`,
      '"time to zero": from the first burst until a /proc scan inside the namespace finds no zombie whose parent is PID 1 after the last burst. "generator alone": the part of it spent making the orphans (clone(CLONE_VM) middles and grandchildren; fork() costs ~0.5 ms here and would measure the generator). An init that keeps up has time to zero ≈ generator time.',
      '"peak zombies": most orphan zombies seen at once, sampled after each burst and while draining.',
      `CPU/orphan (stat): utime+stime of PID 1 from /proc/1/stat before/after, as the issue defines it; its resolution is one clock tick (10 ms), i.e. ${(1e7 / orphans / 1e3).toFixed(1)} µs/orphan at ${orphans} orphans. CPU/orphan (schedstat): the same CPU time summed over PID 1's threads from /proc/1/task/*/schedstat, in ns.`,
      `Target (pidone rows): time to zero ≤ ${REAP_TIME_VS_TINI}× tini and CPU/orphan (stat) ≤ ${REAP_CPU_VS_TINI}× tini.`,
    ],
  };
  for (const s of inits) {
    const t = med('timeToZero', s.id);
    const cpuStat = med('cpuStatPerOrphan', s.id);
    const cpuSched = med('cpuSchedPerOrphan', s.id);
    let target = '—';
    let met = '—';
    if (s.flavor === 'pidone') {
      target = `time ≤ ${REAP_TIME_VS_TINI}× tini, CPU ≤ ${REAP_CPU_VS_TINI}× tini`;
      const tiniT = tini('timeToZero');
      const tiniC = tini('cpuStatPerOrphan');
      const vt: Verdict = tiniT === null ? 'n/a' : judgeAtMost(t, REAP_TIME_VS_TINI * tiniT);
      const vc: Verdict = tiniC === null ? 'n/a' : judgeAtMost(cpuStat, REAP_CPU_VS_TINI * tiniC);
      met = vt === vc ? vt : `time ${vt}, CPU ${vc}`;
    }
    table.rows.push([
      s.label,
      formatMs(t), formatRatio(t, tini('timeToZero')), formatMs(med('makeTime', s.id)),
      formatCount(med('peakZombies', s.id)),
      formatUs(cpuStat), formatRatio(cpuStat, tini('cpuStatPerOrphan')),
      formatUs(cpuSched), formatRatio(cpuSched, tini('cpuSchedPerOrphan')),
      target, met,
    ]);
  }
  const retries = inits.map((s) => [s.label, books.get('forkRetries')!.get(s.id).reduce((a, b) => a + b, 0)] as const).filter(([, n]) => n > 0);
  if (retries.length > 0) {
    table.notes.push(`The pids cap was hit (clone() got EAGAIN and waited) for: ${retries.map(([l, n]) => `${l} ${n}×`).join(', ')}.`);
  }
  const missed = inits.map((s) => [s.label, books.get('missed')!.get(s.id).reduce((a, b) => a + b, 0)] as const).filter(([, n]) => n > 0);
  if (missed.length > 0) table.notes.push(`Orphans not made (grandchild clone failed): ${missed.map(([l, n]) => `${l} ${n}`).join(', ')}.`);
  if (failures.length > 0) table.notes.push(`${failures.length} run(s) failed and are not in the figures; first: ${failures[0]}`);
  return {
    id: 'reaping',
    tables: [table],
    skipped: null,
    data: { unit: 'ns (counts for zombies, retries, missed, pidsPeak)', orphansPerRun: orphans, ...Object.fromEntries([...books].map(([f, b]) => [f, b.toJSON()])), failures },
  };
}

function skip(reason: string): MetricReport {
  return { id: 'reaping', tables: [], skipped: reason, data: null };
}

type RunOutcome = { kind: 'ok'; figures: Record<Figure, number> } | { kind: 'failed'; reason: string };

async function runOne(ctx: BenchContext, s: InitSubject, where: { parent: string; version: 1 | 2 }): Promise<RunOutcome> {
  const p = ctx.profile;
  const cg = makeBenchPidsCgroup(where, p.reapPidsMax);
  try {
    const child = [ctx.bins.child, 'orphans', String(p.reapBursts), String(p.reapBurstSize)];
    const argv = [ctx.bins.launch, 'cgroup-exec', cg.procsFile, ...wrapInNamespace(s.command(child))];
    const r = await runCommand(argv, RUN_TIMEOUT_MS);
    const kv = parseKeyValues(r.stdout);
    if (!kv.has('time_to_zero_ns')) return { kind: 'failed', reason: describeFailure('orphans run', r) };
    const num = (k: string): number => Number(kv.get(k) ?? NaN);
    const orphans = num('orphans');
    const nsPerTick = 1e9 / num('clk_tck');
    return {
      kind: 'ok',
      figures: {
        timeToZero: num('time_to_zero_ns'),
        makeTime: num('make_ns'),
        peakZombies: num('peak_zombies'),
        cpuStatPerOrphan: (num('init_ticks') * nsPerTick) / orphans,
        cpuSchedPerOrphan: num('init_sched_ns') >= 0 ? num('init_sched_ns') / orphans : NaN,
        forkRetries: num('fork_retries'),
        missed: num('missed'),
        pidsPeak: readPidsPeak(cg) ?? NaN,
      },
    };
  } finally {
    if (!removePidsCgroup(cg.dir)) process.stderr.write(`bench: cannot remove cgroup ${cg.dir}\n`);
  }
}

// Free pids on the machine: pid_max minus every task alive now.
function measurePidRoom(): number {
  const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
  const tasks = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]?.split('/')[1] ?? NaN);
  return Number.isFinite(tasks) ? pidMax - tasks : 0;
}
