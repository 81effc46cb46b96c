// Shutdown: time from SIGTERM to the init's exit, observed through a pidfd on
// the init's host pid. For a namespace's PID 1 the pidfd turns readable only
// once the kernel has also killed and collected everything else in the
// namespace: the moment the "container" is gone.
import { join } from 'node:path';
import { wrapInNamespace } from '../namespace';
import { describeFailure, parseKeyValues, runCommand } from '../processes';
import { median } from '../stats';
import { listFloors, listInits, type FloorSubject, type InitSubject } from '../subjects';
import { formatCount, formatMs, formatRatio, type Table } from '../table';
import { rotate, SampleBook, type BenchContext, type MetricReport } from './context';

const EXIT_TIMEOUT_MS = 30_000;
// The floor: a bare Node PID 1 that only says it is ready and exits on SIGTERM.
const NODE_EXITS_ON_TERM = "process.on('SIGTERM',()=>process.exit(143));require('fs').writeFileSync(process.argv[1],'R');setInterval(()=>{},1e9)";

interface Scenario { id: 'cooperative' | 'orphans'; orphans: number }

export async function measureShutdown(ctx: BenchContext): Promise<MetricReport> {
  const p = ctx.profile;
  const inits = listInits(ctx.subjects);
  const floors = listFloors(ctx.subjects);
  const scenarios: Scenario[] = [{ id: 'cooperative', orphans: 0 }, { id: 'orphans', orphans: p.shutdownOrphans }];
  const exitNs = new Map(scenarios.map((sc) => [sc.id, new SampleBook()]));
  const acks = new SampleBook();
  const statuses = new Map<string, Set<string>>();
  const failures: string[] = [];
  const jobs: Array<{ s: InitSubject | FloorSubject; sc: Scenario }> = [
    ...inits.flatMap((s) => scenarios.map((sc) => ({ s, sc }))),
    ...floors.map((s) => ({ s, sc: scenarios[0]! })),
  ];
  for (let rep = 0; rep < p.shutdownReps; rep++) {
    ctx.progress(`shutdown: repetition ${rep + 1}/${p.shutdownReps}`);
    for (const { s, sc } of rotate(jobs, rep)) {
      const r = await runOne(ctx, s, sc);
      if (r.kind === 'failed') { failures.push(`${s.label} (${sc.id}): ${r.reason}`); continue; }
      exitNs.get(sc.id)!.add(s.id, r.exitNs);
      if (sc.id === 'orphans') acks.add(s.id, r.termAcks);
      const key = `${s.id}/${sc.id}`;
      statuses.set(key, (statuses.get(key) ?? new Set()).add(String(r.status)));
    }
  }
  const hasTini = inits.some((s) => s.id === 'tini');
  const coop = exitNs.get('cooperative')!;
  const orph = exitNs.get('orphans')!;
  const tiniCoop = hasTini ? median(coop.get('tini')) : null;
  const tiniOrph = hasTini ? median(orph.get('tini')) : null;
  const table: Table = {
    title: `Shutdown: SIGTERM to the init → the init has exited`,
    header: ['init', 'cooperative child', 'ratio vs tini', `+ ${p.shutdownOrphans} orphans`, 'ratio vs tini', 'orphans that got SIGTERM', 'exit code', 'what the orphans row means'],
    rows: [],
    notes: [
      `${p.shutdownReps} interleaved runs per cell. "cooperative child": the only child exits on SIGTERM (default action). "+ ${p.shutdownOrphans} orphans": the same child, plus ${p.shutdownOrphans} orphans re-parented to PID 1, each in its own session (as daemons are), each exiting when it gets SIGTERM.`,
      'The end is when a pidfd on the init turns readable, which for a namespace PID 1 includes the kernel killing and collecting every process left in the namespace.',
      'tini, dumb-init and catatonit forward SIGTERM to the child (dumb-init: to its process group) and exit as soon as it has exited; the orphans never get SIGTERM and die of the kernel\'s SIGKILL at namespace teardown. pidone forwards SIGTERM, then stops the rest of the tree gracefully (SIGTERM to every remaining process, SIGKILL at the grace deadline) before it exits, so its row buys a clean stop of the orphans with extra time.',
      '"bare node" rows: Node as PID 1 with no child, a SIGTERM listener that calls process.exit(143): the least a Node init can take to react to SIGTERM and exit.',
      'No target from the issue; figures for information.',
    ],
  };
  for (const s of inits) {
    const c = median(coop.get(s.id));
    const o = median(orph.get(s.id));
    const codes = [...new Set([...(statuses.get(`${s.id}/cooperative`) ?? []), ...(statuses.get(`${s.id}/orphans`) ?? [])])].join(', ');
    const got = median(acks.get(s.id));
    const meaning = !Number.isFinite(got) ? 'n/a'
      : got >= p.shutdownOrphans ? 'graceful: every orphan got SIGTERM before the end'
        : got === 0 ? 'main child only; orphans SIGKILLed by the kernel at teardown'
          : `${formatCount(got)} of ${p.shutdownOrphans} orphans got SIGTERM`;
    table.rows.push([
      s.label, formatMs(c), formatRatio(c, tiniCoop), formatMs(o), formatRatio(o, tiniOrph),
      `${formatCount(got)}/${p.shutdownOrphans}`, codes || 'n/a', meaning,
    ]);
  }
  for (const f of floors) {
    const c = median(coop.get(f.id));
    const codes = [...(statuses.get(`${f.id}/cooperative`) ?? [])].join(', ');
    table.rows.push([`${f.label} (exits on SIGTERM, no child)`, formatMs(c), formatRatio(c, tiniCoop), '—', '—', '—', codes || 'n/a', '—']);
  }
  if (failures.length > 0) table.notes.push(`${failures.length} run(s) failed and are not in the figures; first: ${failures[0]}`);
  return {
    id: 'shutdown',
    tables: [table],
    skipped: null,
    data: {
      unit: 'ns',
      cooperative: coop.toJSON(),
      orphans: orph.toJSON(),
      orphansThatGotTerm: acks.toJSON(),
      exitCodes: Object.fromEntries([...statuses].map(([k, v]) => [k, [...v]])),
      failures,
    },
  };
}

type RunOutcome = { kind: 'ok'; exitNs: number; termAcks: number; status: number } | { kind: 'failed'; reason: string };

async function runOne(ctx: BenchContext, s: InitSubject | FloorSubject, sc: Scenario): Promise<RunOutcome> {
  const fifo = join(ctx.tmpDir, `stop-${s.id}.fifo`);
  const cmd = s.kind === 'init'
    ? s.command([ctx.bins.child, 'term-orphans', fifo, String(sc.orphans)])
    : [s.runtime.bin, '-e', NODE_EXITS_ON_TERM, fifo];
  const argv = [ctx.bins.stopbench, String(EXIT_TIMEOUT_MS), fifo, '--', ...wrapInNamespace(cmd)];
  const r = await runCommand(argv, EXIT_TIMEOUT_MS + 30_000);
  if (r.code !== 0) return { kind: 'failed', reason: describeFailure('stopbench', r) };
  const kv = parseKeyValues(r.stdout);
  if (kv.get('TIMED_OUT') !== '0') return { kind: 'failed', reason: `the init did not exit within ${EXIT_TIMEOUT_MS} ms of SIGTERM` };
  return { kind: 'ok', exitNs: Number(kv.get('EXIT_NS')), termAcks: Number(kv.get('TERM_ACKS')), status: Number(kv.get('STATUS')) };
}
