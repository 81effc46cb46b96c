// Log throughput: one service writes LINES lines of LINE_BYTES bytes as fast as
// it can, through the init (PID 1 of a fresh namespace) to a pipe that a C
// reader outside the namespace drains as fast as it can, counting bytes and
// lines and checking every payload line (marker, sequence number, filler,
// prefix). Rows: pidone `up` with one service, text and JSON, per Node
// runtime; pm2-runtime with the same writer; tini, which passes the child's
// stdout straight through, as the ceiling of the method.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBenchPidsCgroup, removePidsCgroup, type PidsCgroup } from '../cgroup';
import { wrapInNamespace } from '../namespace';
import { findPm2, pm2RuntimeCommand, type Pm2 } from '../pm2';
import { describeFailure, parseKeyValues, runCommand } from '../processes';
import { divideOrNaN, maximum, median, minimum } from '../stats';
import { listInits, type NodeRuntime } from '../subjects';
import { formatCount, formatMiB, formatMs, type Table } from '../table';
import { combineVerdicts, judgeAtLeast, LOG_MBPS_MIN, type Verdict } from '../targets';
import { rotate, type BenchContext, type MetricReport } from './context';

const SERVICE = 'writer';
const PIDS_MAX = 256; // nothing here forks much; the cap is only a seat belt
const TEXT_PREFIX = `${SERVICE.padEnd(Math.max('pidone'.length, SERVICE.length))} | `;
const JSON_PREFIX = `{"service":"${SERVICE}","stream":"stdout","line":"`;

type Job =
  | { kind: 'pidone'; id: string; label: string; runtime: NodeRuntime; format: 'text' | 'json' }
  | { kind: 'pm2'; id: string; label: string; pm2: Extract<Pm2, { kind: 'available' }> }
  | { kind: 'tini'; id: string; label: string; bin: string };

interface Run {
  payloadBytes: number;
  outputBytes: number;
  startToExitNs: number;
  startToFirstNs: number;
  startToLastNs: number;
  firstToLastNs: number;
  lost: number;
  damaged: number;
  badPrefix: number;
  duplicates: number;
  outOfOrder: number;
  lastSeq: number;
  otherLines: number;
  initCpuNs: number;       // last /proc/<init>/stat sample
  sampleGapNs: number;     // end of the run minus the time of that sample
  treeMinusWriterNs: number;
  initHwmKiB: number;
  status: number;
}

export async function measureLogs(ctx: BenchContext): Promise<MetricReport> {
  const p = ctx.profile;
  const jobs: Job[] = [];
  const tini = listInits(ctx.subjects).find((s) => s.id === 'tini');
  if (tini) jobs.push({ kind: 'tini', id: 'tini', label: 'tini (pass-through: ceiling)', bin: tini.command([])[0]! });
  for (const s of listInits(ctx.subjects)) {
    if (s.flavor !== 'pidone' || !s.runtime) continue;
    for (const format of ['text', 'json'] as const) {
      jobs.push({ kind: 'pidone', id: `${s.id}-${format}`, label: `pidone up, ${format} (node ${s.runtime.version})`, runtime: s.runtime, format });
    }
  }
  const pm2 = findPm2(ctx.repoRoot, ctx.subjects);
  if (pm2.kind === 'available') jobs.push({ kind: 'pm2', id: 'pm2-runtime', label: `${pm2.label}, raw`, pm2 });

  const runs = new Map<string, Run[]>(jobs.map((j) => [j.id, []]));
  const failures: string[] = [];
  for (let rep = 0; rep < p.logReps; rep++) {
    ctx.progress(`logs: repetition ${rep + 1}/${p.logReps}`);
    for (const job of rotate(jobs, rep)) {
      const r = await runOne(ctx, job, rep);
      if (r.kind === 'failed') { failures.push(`${job.label}: ${r.reason}`); continue; }
      runs.get(job.id)!.push(r.run);
    }
  }

  const payloadMB = (p.logLines * p.logLineBytes) / 1e6;
  const table: Table = {
    title: `Log throughput: ${formatCount(p.logLines)} lines of ${p.logLineBytes} bytes (${payloadMB.toFixed(0)} MB) from one service through the init`,
    header: ['init (mode)', 'MB/s start → exit', 'min – max', 'start → first line', 'MB/s start → last line', 'MB/s first → last line', 'lines lost (worst run)', 'damaged lines', 'sequence', 'init CPU/MB', 'tree − writer CPU/MB', 'init VmHWM', 'output/payload', 'exit', 'target', 'met?'],
    rows: [],
    notes: [
      `${p.logReps} interleaved run(s) per row, each in a fresh PID namespace${ctx.cgroups.kind === 'available' ? ` and its own pids cgroup (pids.max ${PIDS_MAX})` : ' (no pids cgroup on this machine)'}. MB = 10⁶ bytes of the service's payload (${p.logLines} × ${p.logLineBytes} B), whatever the init adds around it.`,
      `The service: a C writer (bench/c/logwriter.c) that writes "LOGBENCH <10-digit sequence number> <filler>" lines in write()s of ${p.logBlockBytes} bytes, as a stdio buffer on a pipe flushes (lines straddle writes, so the init must reassemble them), then exits 0. The reader (bench/c/logbench.c) reads the namespace's stdout pipe (default 64 KiB pipe) in 1 MiB read()s as fast as it can; stderr goes to a file.`,
      '"MB/s start → exit": payload / (fork of unshare → unshare reaped, i.e. the init has exited and the namespace is gone): includes the init\'s own start-up (Node, config, spawn: see "start → first line") and exit path. "start → last line": up to the read that brought the last payload line. "first → last line": the steady rate, start-up and exit left out.',
      `"lines lost": expected − distinct payload lines received intact (marker, sequence number and filler byte for byte) and well framed: pidone text lines must start with "${TEXT_PREFIX}", JSON lines with ${JSON_PREFIX}, tini lines with the payload itself; pm2 lines are counted wherever the marker stands. "damaged lines": lines that hold the marker but not an intact payload. "sequence": "ok" when every run got the numbers 0..${p.logLines - 1} in order, each once.`,
      `"init CPU/MB": utime+stime of the init's host pid, the last of the /proc/<pid>/stat samples taken every ${p.logSampleMs} ms while it runs (the init's own threads only: its reaped children's time is in cutime and left out; 10 ms clock ticks; what the init spends after the last sample, ≤ ${p.logSampleMs} ms before its exit plus its exit path, is missed). "tree − writer CPU/MB": a cross-check from wait4() on unshare (unshare + init + every reaped descendant) minus the writer's own getrusage(); it also counts unshare and any helper the init starts.`,
      '"init VmHWM": peak RSS of the init during the run (/proc/<pid>/status, sampled every 100 ms). "output/payload": bytes read from the namespace / payload bytes (the prefix or JSON framing, and the init\'s own event lines).',
      `Target (pidone rows): ≥ ${LOG_MBPS_MIN} MB/s start → exit and 0 lines lost in every run.${p.name === 'quick' ? ' Quick profile: a shorter payload, so start-up weighs more in "start → exit".' : ''}`,
    ],
  };
  if (!tini) table.notes.push('tini is not installed: no ceiling row.');
  const gaps = jobs.filter((j) => j.kind !== 'tini').flatMap((j) => runs.get(j.id)!.map((r) => r.sampleGapNs)).filter(Number.isFinite);
  if (gaps.length > 0) table.notes.push(`Last CPU sample → end of the run (exit of unshare): median ${formatMs(median(gaps))}, at most ${formatMs(maximum(gaps))}, over the Node rows.`);
  for (const job of jobs) {
    const list = runs.get(job.id)!;
    const mbps = list.map((r) => divideOrNaN(r.payloadBytes / 1e6, r.startToExitNs / 1e9));
    const toLast = list.map((r) => divideOrNaN(r.payloadBytes / 1e6, r.startToLastNs / 1e9));
    const steady = list.map((r) => divideOrNaN(r.payloadBytes / 1e6, r.firstToLastNs / 1e9));
    const worstLost = maximum(list.map((r) => r.lost));
    const seqOk = list.length > 0 && list.every((r) => r.lost === 0 && r.outOfOrder === 0 && r.duplicates === 0 && r.lastSeq === p.logLines - 1);
    const worst = list.reduce<Run | null>((a, r) => (a === null || r.lost > a.lost ? r : a), null);
    const sequence = list.length === 0 ? 'n/a' : seqOk ? 'ok'
      : `last ${worst?.lastSeq ?? '?'}, ${worst?.outOfOrder ?? '?'} gaps, ${worst?.duplicates ?? '?'} dup`;
    const cpu = median(list.map((r) => divideOrNaN(r.initCpuNs / 1e6, r.payloadBytes / 1e6)));
    const tree = median(list.map((r) => divideOrNaN(r.treeMinusWriterNs / 1e6, r.payloadBytes / 1e6)));
    let target = '—';
    let met = '—';
    if (job.kind === 'pidone') {
      target = `≥ ${LOG_MBPS_MIN} MB/s, 0 lost`;
      const vRate: Verdict = judgeAtLeast(median(mbps), LOG_MBPS_MIN);
      const vLost: Verdict = list.length === 0 ? 'n/a' : worstLost === 0 ? 'yes' : 'no';
      const all = combineVerdicts([vRate, vLost]);
      met = all !== 'no' ? all : vRate === 'no' && vLost === 'no' ? 'no (rate and lines lost)' : vRate === 'no' ? 'no (rate)' : 'no (lines lost)';
    }
    table.rows.push([
      job.label,
      formatRate(median(mbps)),
      `${formatRate(minimum(mbps))} – ${formatRate(maximum(mbps))}`,
      formatMs(median(list.map((r) => r.startToFirstNs))),
      formatRate(median(toLast)),
      formatRate(median(steady)),
      formatCount(worstLost),
      formatCount(maximum(list.map((r) => r.damaged))),
      sequence,
      formatCpu(cpu),
      formatCpu(tree),
      formatMiB(median(list.map((r) => r.initHwmKiB))),
      Number.isFinite(median(list.map((r) => r.outputBytes / r.payloadBytes))) ? `${median(list.map((r) => r.outputBytes / r.payloadBytes)).toFixed(2)}×` : 'n/a',
      [...new Set(list.map((r) => r.status))].join(', ') || 'n/a',
      target,
      met,
    ]);
  }
  if (pm2.kind === 'available') {
    table.notes.push(
      `pm2 row: \`pm2-runtime start ecosystem.json\` as PID 1 (pm2 ${pm2.version}), one app with interpreter none, autorestart false, out_file and error_file /dev/null (so that, like pidone, it only streams to its stdout; by default it also writes every line to a file in PM2_HOME), in pm2-runtime's default raw mode (lines as the app wrote them, no prefix; its --json mode writes one object per pipe read, not per line, so it is not comparable line for line and is not run).`,
      'pm2-runtime only exits through its auto-exit check: from 4 s after start it polls every 2 s and exits (code 2) once 4 polls in a row find no app online, so its "start → exit" holds about 10 s of waiting after the app ended: read "start → last line" for it.',
      'pm2 damages lines: its God process emits each read from the app\'s pipe as it came (lib/God/ForkMode.js, data.toString() per \'data\' event), and the log streamer splits every such chunk at "\\n" on its own (lib/API/Log.js, stream()), so a line that straddles two reads comes out as two broken lines. It reads the app\'s pipe with no backpressure, hence its VmHWM.',
    );
  } else {
    table.notes.push(`No pm2 row: ${pm2.reason}.`);
  }
  const odd = jobs.flatMap((j) => runs.get(j.id)!.filter((r) => r.otherLines > 10 && j.kind !== 'pm2').map((r) => `${j.label}: ${r.otherLines}`));
  if (odd.length > 0) table.notes.push(`Lines without the marker beyond the init's own few event lines: ${odd.join('; ')}.`);
  if (failures.length > 0) table.notes.push(`${failures.length} run(s) failed and are not in the figures; first: ${failures[0]}`);
  return {
    id: 'logs',
    tables: [table],
    skipped: null,
    data: {
      unit: 'bytes, ns, KiB (initHwmKiB), counts',
      lines: p.logLines,
      lineBytes: p.logLineBytes,
      blockBytes: p.logBlockBytes,
      sampleMs: p.logSampleMs,
      runs: Object.fromEntries(runs),
      failures,
    },
  };
}

type Outcome = { kind: 'ok'; run: Run } | { kind: 'failed'; reason: string };

async function runOne(ctx: BenchContext, job: Job, rep: number): Promise<Outcome> {
  const p = ctx.profile;
  const dir = join(ctx.tmpDir, `logs-${job.id}-${rep}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const cpuFile = join(dir, 'writer-cpu');
  const errFile = join(dir, 'stderr');
  const writer = [ctx.bins.logwriter, String(p.logLines), String(p.logLineBytes), String(p.logBlockBytes), cpuFile];
  let inner: string[];
  let prefix: string;
  switch (job.kind) {
    case 'tini':
      inner = [job.bin, '--', ...writer];
      prefix = '-';
      break;
    case 'pidone': {
      const file = join(dir, 'pidone.json');
      writeFileSync(file, JSON.stringify({ services: { [SERVICE]: { command: writer } } }));
      inner = [job.runtime.bin, ctx.pidoneJs, 'up', '-f', file, '--log-format', job.format];
      prefix = job.format === 'text' ? TEXT_PREFIX : JSON_PREFIX;
      break;
    }
    case 'pm2': {
      const file = join(dir, 'ecosystem.json');
      writeFileSync(file, JSON.stringify({
        apps: [{
          name: SERVICE, script: writer[0], args: writer.slice(1), interpreter: 'none',
          autorestart: false, out_file: '/dev/null', error_file: '/dev/null',
        }],
      }));
      inner = pm2RuntimeCommand(job.pm2, join(dir, 'pm2-home'), ['start', file]);
      prefix = '-';
      break;
    }
  }
  let argv = [ctx.bins.logbench, String(p.logTimeoutMs), String(p.logLines), String(p.logLineBytes), prefix, errFile, String(p.logSampleMs), '--', ...wrapInNamespace(inner)];
  let cg: PidsCgroup | null = null;
  if (ctx.cgroups.kind === 'available') {
    cg = makeBenchPidsCgroup(ctx.cgroups, PIDS_MAX);
    argv = [ctx.bins.launch, 'cgroup-exec', cg.procsFile, ...argv];
  }
  try {
    const r = await runCommand(argv, p.logTimeoutMs + 30_000);
    const kv = parseKeyValues(r.stdout);
    const stderrTail = readTail(errFile);
    if (r.code !== 0 || !kv.has('T0')) return { kind: 'failed', reason: describeFailure('logbench', r) };
    const num = (k: string): number => Number(kv.get(k) ?? NaN);
    if (num('TIMED_OUT') !== 0) return { kind: 'failed', reason: `no exit within ${p.logTimeoutMs} ms${stderrTail ? `; stderr: ${stderrTail}` : ''}` };
    if (num('PAYLOAD_OK') === 0) return { kind: 'failed', reason: `no payload line arrived (exit ${num('STATUS')})${stderrTail ? `; stderr: ${stderrTail}` : ''}` };
    const t0 = num('T0');
    const writerCpu = Number(/WRITER_CPU_NS (\d+)/.exec(readOr(cpuFile))?.[1] ?? NaN);
    const end = num('EXIT_NS');
    return {
      kind: 'ok',
      run: {
        payloadBytes: p.logLines * p.logLineBytes,
        outputBytes: num('BYTES'),
        startToExitNs: end - t0,
        startToFirstNs: num('FIRST_PAYLOAD_NS') - t0,
        startToLastNs: num('LAST_PAYLOAD_NS') - t0,
        firstToLastNs: num('LAST_PAYLOAD_NS') - num('FIRST_PAYLOAD_NS'),
        lost: p.logLines - num('PAYLOAD_OK'),
        damaged: num('DAMAGED'),
        badPrefix: num('BAD_PREFIX'),
        duplicates: num('DUPLICATES'),
        outOfOrder: num('OUT_OF_ORDER'),
        lastSeq: num('LAST_SEQ'),
        otherLines: num('OTHER_LINES'),
        initCpuNs: num('INIT_TICKS') >= 0 ? (num('INIT_TICKS') * 1e9) / num('CLK_TCK') : NaN,
        sampleGapNs: end - num('INIT_LAST_SAMPLE_NS'),
        treeMinusWriterNs: num('TREE_CPU_NS') - writerCpu,
        initHwmKiB: num('INIT_HWM_KIB') >= 0 ? num('INIT_HWM_KIB') : NaN,
        status: num('STATUS'),
      },
    };
  } finally {
    if (cg && !removePidsCgroup(cg.dir)) process.stderr.write(`bench: cannot remove cgroup ${cg.dir}\n`);
    rmSync(dir, { recursive: true, force: true });
  }
}

function formatRate(mbps: number): string {
  if (!Number.isFinite(mbps)) return 'n/a';
  return `${mbps < 10 ? mbps.toFixed(2) : mbps.toFixed(1)} MB/s`;
}

function formatCpu(msPerMB: number): string {
  return Number.isFinite(msPerMB) ? `${msPerMB.toFixed(2)} ms/MB` : 'n/a';
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readTail(file: string): string {
  return readOr(file).trim().split('\n').slice(-3).join(' / ').slice(0, 500);
}
