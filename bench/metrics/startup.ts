// Start-up. The launcher runs *inside* the new namespace as its PID 1, writes
// CLOCK_MONOTONIC and execs the init, so the init keeps PID 1 and unshare's own
// cost is not in the figure. The static C child writes CLOCK_MONOTONIC as the
// first thing in main(). A stopwatch outside unshare gives the exec -> exit
// wall time of `INIT -- true` and of `node -e 0`.
import { wrapInNamespace } from '../namespace';
import { describeFailure, parseKeyValues, runCommand } from '../processes';
import { maximum, median, minimum } from '../stats';
import { listFloors, listInits, type FloorSubject, type InitSubject } from '../subjects';
import { formatMs, formatRatio, type Table } from '../table';
import { judgeAtMost, START_UP_VS_BARE_NODE } from '../targets';
import { rotate, SampleBook, type BenchContext, type MetricReport } from './context';

type Job =
  | { kind: 'exec-to-child'; subject: InitSubject }
  | { kind: 'init-true'; subject: InitSubject }
  | { kind: 'node-e-0'; subject: FloorSubject }
  | { kind: 'no-init'; subject: null }; // `true` itself as PID 1: the method's own floor

const NO_INIT_ID = 'no-init';

const RUN_TIMEOUT_MS = 30_000;

export async function measureStartup(ctx: BenchContext): Promise<MetricReport> {
  const inits = listInits(ctx.subjects);
  const floors = listFloors(ctx.subjects);
  const jobs: Job[] = [
    ...inits.map((subject): Job => ({ kind: 'exec-to-child', subject })),
    ...inits.map((subject): Job => ({ kind: 'init-true', subject })),
    ...floors.map((subject): Job => ({ kind: 'node-e-0', subject })),
    { kind: 'no-init', subject: null },
  ];
  const toChild = new SampleBook();
  const childToExit = new SampleBook(); // child's first instruction -> the init has exited
  const wall = new SampleBook(); // init ids (INIT -- true) and floor ids (node -e 0)
  const failures: string[] = [];

  for (let rep = 0; rep < ctx.profile.startupReps; rep++) {
    ctx.progress(`start-up: repetition ${rep + 1}/${ctx.profile.startupReps}`);
    for (const job of rotate(jobs, rep)) {
      const r = await runJob(ctx, job);
      const id = job.subject?.id ?? NO_INIT_ID;
      if (r.kind === 'failed') { failures.push(`${job.subject?.label ?? 'true as PID 1'} (${job.kind}): ${r.reason}`); continue; }
      if (job.kind === 'exec-to-child') {
        toChild.add(id, r.ns);
        childToExit.add(id, r.afterChildNs);
      } else {
        wall.add(id, r.ns);
      }
    }
  }

  const tiniChild = inits.some((s) => s.id === 'tini') ? median(toChild.get('tini')) : null;
  const tiniWall = inits.some((s) => s.id === 'tini') ? median(wall.get('tini')) : null;
  const floorWall = new Map(floors.map((f) => [f.runtime.major, median(wall.get(f.id))]));

  const childTable: Table = {
    title: 'Start-up: exec of the init → first instruction of its child',
    header: ['init', 'median', 'min – max', 'ratio vs tini', 'target', 'met?'],
    rows: [],
    notes: [
      `${ctx.profile.startupReps} interleaved runs per row. T0: a launcher that is PID 1 of the fresh namespace reads CLOCK_MONOTONIC and execs the init (so the init is PID 1 and unshare's own cost is not included); T1: a ${ctx.bins.childIsStatic ? 'static' : 'dynamic'} C child reads CLOCK_MONOTONIC first thing in main().`,
      '`node -e 0` rows are exec → exit of a bare runtime as PID 1, measured like `INIT -- true` below: they are the reference for the pidone target.',
      `Target (pidone rows): exec → child ≤ ${START_UP_VS_BARE_NODE}× bare \`node -e 0\` of the same Node version.`,
    ],
  };
  for (const s of inits) {
    const v = toChild.get(s.id);
    const m = median(v);
    let target = '—';
    let met = '—';
    if (s.flavor === 'pidone' && s.runtime) {
      const limit = START_UP_VS_BARE_NODE * (floorWall.get(s.runtime.major) ?? NaN);
      target = `≤ ${START_UP_VS_BARE_NODE}× node -e 0 = ${formatMs(limit)}`;
      met = judgeAtMost(m, limit);
    }
    childTable.rows.push([s.label, formatMs(m), `${formatMs(minimum(v))} – ${formatMs(maximum(v))}`, formatRatio(m, tiniChild), target, met]);
  }
  for (const f of floors) {
    const v = wall.get(f.id);
    const m = median(v);
    // a different measure (exec -> exit), so no ratio against tini's exec -> child
    childTable.rows.push([`node ${f.runtime.version} -e 0 (exec → exit, reference)`, formatMs(m), `${formatMs(minimum(v))} – ${formatMs(maximum(v))}`, '—', '—', '—']);
  }

  const wallTable: Table = {
    title: 'Wall time of `INIT -- true`: exec of the init → the init has exited',
    header: ['init', 'median', 'min – max', 'ratio vs tini', 'child start → init exit'],
    rows: [],
    notes: [
      'T0 as above; the end is when a stopwatch process outside the namespace sees unshare exit, so every row also pays unshare waking up and exiting and the namespace teardown: the "no init" row (`true` itself exec\'d as PID 1) is that fixed cost.',
      '"child start → init exit": from the start-up runs above, the child\'s first instruction (it exits at once) to the init\'s exit as seen outside: the init\'s reaction to its child\'s exit plus its own exit. pidone runs its tree stop (a /proc scan) and Node\'s exit there; tini/dumb-init/catatonit exit at once.',
    ],
  };
  for (const s of [...inits, ...floors]) {
    const v = wall.get(s.id);
    const m = median(v);
    const label = s.kind === 'floor' ? `bare node ${s.runtime.version} (\`node -e 0\`)` : s.label;
    const after = s.kind === 'init' ? formatMs(median(childToExit.get(s.id))) : '—';
    wallTable.rows.push([label, formatMs(m), `${formatMs(minimum(v))} – ${formatMs(maximum(v))}`, formatRatio(m, tiniWall), after]);
  }
  const bare = wall.get(NO_INIT_ID);
  wallTable.rows.push(['no init (`true` as PID 1)', formatMs(median(bare)), `${formatMs(minimum(bare))} – ${formatMs(maximum(bare))}`, formatRatio(median(bare), tiniWall), '—']);
  if (failures.length > 0) {
    childTable.notes.push(`${failures.length} run(s) failed and are not in the figures; first: ${failures[0]}`);
  }
  return {
    id: 'startup',
    tables: [childTable, wallTable],
    skipped: null,
    data: { unit: 'ns', execToChild: toChild.toJSON(), execToExit: wall.toJSON(), childToInitExit: childToExit.toJSON(), failures },
  };
}

type JobResult = { kind: 'ok'; ns: number; afterChildNs: number } | { kind: 'failed'; reason: string };

async function runJob(ctx: BenchContext, job: Job): Promise<JobResult> {
  const { launch, child } = ctx.bins;
  const cmd = commandFor(job, child);
  const argv = [launch, 'stopwatch', ...wrapInNamespace([launch, 'exec-stamp', ...cmd])];
  const r = await runCommand(argv, RUN_TIMEOUT_MS);
  const kv = parseKeyValues(r.stdout);
  if (r.code !== 0 || kv.get('STATUS') !== '0') {
    return { kind: 'failed', reason: describeFailure(`run (status ${kv.get('STATUS') ?? '?'})`, r) };
  }
  const t0 = Number(kv.get('T0'));
  const end = Number(kv.get(job.kind === 'exec-to-child' ? 'T1' : 'T2'));
  if (!Number.isFinite(t0) || !Number.isFinite(end) || end < t0) {
    return { kind: 'failed', reason: `missing time stamps in ${JSON.stringify(r.stdout)}` };
  }
  return { kind: 'ok', ns: end - t0, afterChildNs: Number(kv.get('T2')) - Number(kv.get('T1')) };
}

function commandFor(job: Job, child: string): string[] {
  switch (job.kind) {
    case 'exec-to-child': return job.subject.command([child, 'stamp']);
    case 'init-true': return job.subject.command(['true']);
    case 'node-e-0': return [job.subject.runtime.bin, '-e', '0'];
    case 'no-init': return ['true'];
  }
}
