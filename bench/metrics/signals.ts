// Signal forwarding latency: a C sender kill()s the init's host pid and waits
// for the child's one-byte ack through a FIFO, one signal at a time.
import { join } from 'node:path';
import { wrapInNamespace } from '../namespace';
import { describeFailure, parseKeyValues, runCommand } from '../processes';
import { maximum, median, percentile } from '../stats';
import { listInits, type InitSubject } from '../subjects';
import { formatRatio, formatUs, type Table } from '../table';
import { combineVerdicts, judgeAtMost, SIGNAL_P50_LIMIT_NS, SIGNAL_P99_LIMIT_NS } from '../targets';
import { rotate, SampleBook, type BenchContext, type MetricReport } from './context';

const ACK_TIMEOUT_MS = 1000;

interface RepFigures { p50: number; p99: number; max: number; lost: number }

export async function measureSignals(ctx: BenchContext): Promise<MetricReport> {
  const inits = listInits(ctx.subjects);
  const p = ctx.profile;
  const p50 = new SampleBook();
  const p99 = new SampleBook();
  const max = new SampleBook();
  const lost = new SampleBook();
  const pooled = new Map<string, number[]>();
  const failures: string[] = [];
  for (let rep = 0; rep < p.signalReps; rep++) {
    ctx.progress(`signals: repetition ${rep + 1}/${p.signalReps}`);
    for (const s of rotate(inits, rep)) {
      const r = await runOne(ctx, s);
      if (r.kind === 'failed') { failures.push(`${s.label}: ${r.reason}`); continue; }
      p50.add(s.id, r.figures.p50);
      p99.add(s.id, r.figures.p99);
      max.add(s.id, r.figures.max);
      lost.add(s.id, r.figures.lost);
      pooled.set(s.id, [...(pooled.get(s.id) ?? []), ...r.samples]);
    }
  }
  const newest = Math.max(...inits.map((s) => s.runtime?.major ?? 0));
  const hasTini = inits.some((s) => s.id === 'tini');
  const tiniP50 = hasTini ? median(p50.get('tini')) : null;
  const tiniP99 = hasTini ? median(p99.get('tini')) : null;
  const table: Table = {
    title: `Signal forwarding latency: kill(init) → child's handler acks (${p.signalCount} signals per run)`,
    header: ['init', 'p50', 'p99', 'max', 'lost', 'p50 vs tini', 'p99 vs tini', 'target', 'met?'],
    rows: [],
    notes: [
      `Signal ${p.signalNumber} (SIGUSR1) sent to the init's host pid by a C sender, one at a time, each waiting for the child's one-byte ack on a FIFO (round trip, CLOCK_MONOTONIC). ${p.signalWarmup} warm-up signals first, not counted; ${p.signalGapUs} µs pause between signals.`,
      `Each figure is the median over ${p.signalReps} interleaved run(s) of that run's p50 / p99 / max. "lost" = acks not seen within ${ACK_TIMEOUT_MS} ms (median per run).`,
      `Target (pidone on the newest Node, ${newest}): p50 ≤ ${formatUs(SIGNAL_P50_LIMIT_NS)} and p99 ≤ ${formatUs(SIGNAL_P99_LIMIT_NS)}. The other pidone rows are shown without a target.`,
      'The sender, the init and the child share 2 busy cores: each round trip is three wake-ups (init, child, sender), and tail figures include other tenants\' load.',
    ],
  };
  for (const s of inits) {
    const m50 = median(p50.get(s.id));
    const m99 = median(p99.get(s.id));
    let target = '—';
    let met = '—';
    if (s.flavor === 'pidone' && s.runtime?.major === newest) {
      target = `p50 ≤ ${formatUs(SIGNAL_P50_LIMIT_NS)}, p99 ≤ ${formatUs(SIGNAL_P99_LIMIT_NS)}`;
      const v50 = judgeAtMost(m50, SIGNAL_P50_LIMIT_NS);
      const v99 = judgeAtMost(m99, SIGNAL_P99_LIMIT_NS);
      met = v50 === v99 ? combineVerdicts([v50, v99]) : `p50 ${v50}, p99 ${v99}`;
    }
    table.rows.push([
      s.label, formatUs(m50), formatUs(m99), formatUs(median(max.get(s.id))), String(median(lost.get(s.id))),
      formatRatio(m50, tiniP50), formatRatio(m99, tiniP99), target, met,
    ]);
  }
  if (failures.length > 0) table.notes.push(`${failures.length} run(s) failed and are not in the figures; first: ${failures[0]}`);
  const pooledSummary = Object.fromEntries([...pooled].map(([id, v]) => [id, {
    count: v.length, p50: percentile(v, 50), p99: percentile(v, 99), p999: percentile(v, 99.9), max: maximum(v),
  }]));
  return {
    id: 'signals',
    tables: [table],
    skipped: null,
    data: { unit: 'ns', perRun: { p50: p50.toJSON(), p99: p99.toJSON(), max: max.toJSON(), lost: lost.toJSON() }, pooled: pooledSummary, failures },
  };
}

type RunOutcome = { kind: 'ok'; figures: RepFigures; samples: number[] } | { kind: 'failed'; reason: string };

async function runOne(ctx: BenchContext, s: InitSubject): Promise<RunOutcome> {
  const p = ctx.profile;
  const fifo = join(ctx.tmpDir, `ack-${s.id}.fifo`);
  const child = [ctx.bins.child, 'ack', fifo, String(p.signalNumber)];
  const argv = [
    ctx.bins.sigbench, String(p.signalCount), String(p.signalWarmup), String(p.signalNumber), String(p.signalGapUs),
    String(ACK_TIMEOUT_MS), fifo, '--', ...wrapInNamespace(s.command(child)),
  ];
  const timeoutMs = 60_000 + p.signalCount * (ACK_TIMEOUT_MS / 10);
  const r = await runCommand(argv, timeoutMs);
  if (r.code !== 0) return { kind: 'failed', reason: describeFailure('sigbench', r) };
  const kv = parseKeyValues(r.stdout);
  const samples = r.stdout.split('\n').filter((l) => l.startsWith('S ')).map((l) => Number(l.slice(2)));
  if (samples.length === 0) return { kind: 'failed', reason: 'no acknowledged signal' };
  return {
    kind: 'ok',
    samples,
    figures: { p50: percentile(samples, 50), p99: percentile(samples, 99), max: maximum(samples), lost: Number(kv.get('LOST') ?? NaN) },
  };
}
