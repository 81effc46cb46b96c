// Supervisor memory: VmRSS and VmHWM of the init's host pid while it supervises
// idle services (`sleep 3600`), read from /proc/<pid>/status after a settle
// period, as the memory metric does for one child. Rows: pidone single-command
// mode with one child (the memory metric's case, again here for the ratio),
// pidone `up` with 1 and with N services, per Node runtime; pm2-runtime with 1
// and N apps; supervisord with N programs when it is installed.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBenchPidsCgroup, removePidsCgroup, type PidsCgroup } from '../cgroup';
import { wrapInNamespace } from '../namespace';
import { findPm2, pm2RuntimeCommand, type Pm2 } from '../pm2';
import { describeFailure, killPid, readChildPids, sleep, startProcess, trackPid, untrackPid, waitForChild } from '../processes';
import { divideOrNaN, maximum, median, minimum } from '../stats';
import { findOnPath, listInits, type NodeRuntime } from '../subjects';
import { formatMiB, type Table } from '../table';
import { rotate, SampleBook, type BenchContext, type MetricReport } from './context';
import { FIELDS, readStatus, type Field } from './memory';

const START_TIMEOUT_MS = 30_000;
const PIDS_MAX = 256;

type Job =
  | { kind: 'pidone-single'; id: string; label: string; runtime: NodeRuntime; services: 1 }
  | { kind: 'pidone-up'; id: string; label: string; runtime: NodeRuntime; services: number }
  | { kind: 'pm2'; id: string; label: string; pm2: Extract<Pm2, { kind: 'available' }>; services: number }
  | { kind: 'supervisord'; id: string; label: string; bin: string; services: number };

export async function measureSupervisorMemory(ctx: BenchContext): Promise<MetricReport> {
  const p = ctx.profile;
  const n = p.supervisorServices;
  const sleepBin = findOnPath('sleep') ?? '/bin/sleep';
  const jobs: Job[] = [];
  for (const s of listInits(ctx.subjects)) {
    if (s.flavor !== 'pidone' || !s.runtime) continue;
    const rt = s.runtime;
    jobs.push({ kind: 'pidone-single', id: `${s.id}-single`, label: `pidone -- sleep (node ${rt.version})`, runtime: rt, services: 1 });
    jobs.push({ kind: 'pidone-up', id: `${s.id}-up1`, label: `pidone up (node ${rt.version})`, runtime: rt, services: 1 });
    jobs.push({ kind: 'pidone-up', id: `${s.id}-up${n}`, label: `pidone up (node ${rt.version})`, runtime: rt, services: n });
  }
  const pm2 = findPm2(ctx.repoRoot, ctx.subjects);
  if (pm2.kind === 'available') {
    jobs.push({ kind: 'pm2', id: 'pm2-1', label: pm2.label, pm2, services: 1 });
    jobs.push({ kind: 'pm2', id: `pm2-${n}`, label: pm2.label, pm2, services: n });
  }
  const supervisord = findOnPath('supervisord');
  if (supervisord) jobs.push({ kind: 'supervisord', id: `supervisord-${n}`, label: 'supervisord', bin: supervisord, services: n });

  const books = new Map<Field, SampleBook>(FIELDS.map((f) => [f, new SampleBook()]));
  const failures: string[] = [];
  for (let rep = 0; rep < p.supervisorReps; rep++) {
    ctx.progress(`supervisor-memory: repetition ${rep + 1}/${p.supervisorReps}`);
    for (const job of rotate(jobs, rep)) {
      const r = await sampleOne(ctx, job, sleepBin, rep);
      if (r.kind === 'failed') { failures.push(`${job.label}, ${job.services} service(s): ${r.reason}`); continue; }
      for (const f of FIELDS) books.get(f)!.add(job.id, r.status[f]);
    }
  }

  const rss = books.get('VmRSS')!;
  const med = (f: Field, id: string): number => median(books.get(f)!.get(id));
  const table: Table = {
    title: `Supervisor memory: ${n} idle services (sleep), after a settle period`,
    header: ['init', 'mode', 'services', 'VmRSS median', 'min – max', 'VmHWM median', 'RssAnon (private)', 'threads', `per extra service (1 → ${n})`],
    rows: [],
    notes: [
      `${p.supervisorReps} interleaved run(s) per row, each in a fresh PID namespace${ctx.cgroups.kind === 'available' ? ` and its own pids cgroup (pids.max ${PIDS_MAX})` : ' (no pids cgroup on this machine)'}; /proc/<init host pid>/status read ${p.supervisorSettleMs} ms after the last service appeared as the init's child. MiB = 1024² bytes.`,
      `Services: \`${sleepBin} 3600\`, no readiness probe. pidone up: a JSON config with the services under services: (text logs, the default), stdout/stderr piped through pidone as in production. "pidone -- sleep" is single-command mode with one child, the memory metric's case, measured again here beside the supervisor rows.`,
      `"per extra service": (VmRSS with ${n} − VmRSS with 1) / ${n - 1}, from the medians.`,
      'No target from the issue; figures for information.',
    ],
  };
  for (const job of jobs) {
    const m = median(rss.get(job.id));
    let perExtra = '—';
    if (job.services === n && n > 1) {
      const oneId = job.kind === 'pm2' ? 'pm2-1' : job.kind === 'pidone-up' ? job.id.replace(/-up\d+$/, '-up1') : null;
      if (oneId) perExtra = formatKiB(divideOrNaN(m - median(rss.get(oneId)), n - 1));
    }
    const mode = job.kind === 'pidone-single' ? 'single command' : job.kind === 'pidone-up' ? '`up -f`' : job.kind === 'pm2' ? 'ecosystem.json' : 'supervisord.conf';
    table.rows.push([
      job.label, mode, String(job.services),
      formatMiB(m), `${formatMiB(minimum(rss.get(job.id)))} – ${formatMiB(maximum(rss.get(job.id)))}`,
      formatMiB(med('VmHWM', job.id)), formatMiB(med('RssAnon', job.id)), String(med('Threads', job.id)), perExtra,
    ]);
  }
  if (pm2.kind === 'available') {
    table.notes.push(`pm2-runtime ${pm2.version}: \`pm2-runtime start ecosystem.json\` as PID 1, apps with script ${sleepBin}, args ["3600"], interpreter none, pm2's defaults otherwise (log files in a fresh PM2_HOME). The figure is pm2-runtime's own process, which holds pm2's God daemon in-process (no separate daemon in pm2-runtime).`);
  } else {
    table.notes.push(`No pm2 rows: ${pm2.reason}.`);
  }
  if (!supervisord) table.notes.push('supervisord is not installed on this machine: no row (it is not added as a dependency).');
  if (failures.length > 0) table.notes.push(`${failures.length} run(s) failed and are not in the figures; first: ${failures[0]}`);
  return {
    id: 'supervisor-memory',
    tables: [table],
    skipped: null,
    data: {
      unit: 'KiB (Threads: count)',
      services: n,
      settleMs: p.supervisorSettleMs,
      jobs: jobs.map((j) => ({ id: j.id, label: j.label, kind: j.kind, services: j.services })),
      ...Object.fromEntries([...books].map(([f, b]) => [f, b.toJSON()])),
      failures,
    },
  };
}

type Sample = { kind: 'ok'; status: Record<Field, number> } | { kind: 'failed'; reason: string };

async function sampleOne(ctx: BenchContext, job: Job, sleepBin: string, rep: number): Promise<Sample> {
  const dir = join(ctx.tmpDir, `supmem-${job.id}-${rep}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: job.services }, (_, i) => `sleep${i}`);
  let cmd: string[];
  switch (job.kind) {
    case 'pidone-single':
      cmd = [job.runtime.bin, ctx.pidoneJs, '--', sleepBin, '3600'];
      break;
    case 'pidone-up': {
      const file = join(dir, 'pidone.json');
      writeFileSync(file, JSON.stringify({ services: Object.fromEntries(names.map((s) => [s, { command: [sleepBin, '3600'] }])) }));
      cmd = [job.runtime.bin, ctx.pidoneJs, 'up', '-f', file];
      break;
    }
    case 'pm2': {
      const file = join(dir, 'ecosystem.json');
      writeFileSync(file, JSON.stringify({ apps: names.map((s) => ({ name: s, script: sleepBin, args: ['3600'], interpreter: 'none' })) }));
      cmd = pm2RuntimeCommand(job.pm2, join(dir, 'pm2-home'), ['start', file]);
      break;
    }
    case 'supervisord': {
      const file = join(dir, 'supervisord.conf');
      const programs = names.map((s) => `[program:${s}]\ncommand=${sleepBin} 3600\nautorestart=false\nstdout_logfile=/dev/null\nstderr_logfile=/dev/null\n`);
      writeFileSync(file, `[supervisord]\nnodaemon=true\nlogfile=/dev/null\nlogfile_maxbytes=0\npidfile=${join(dir, 'supervisord.pid')}\n\n${programs.join('\n')}`);
      cmd = [job.bin, '-n', '-c', file];
      break;
    }
  }
  let argv = wrapInNamespace(cmd);
  let cg: PidsCgroup | null = null;
  if (ctx.cgroups.kind === 'available') {
    cg = makeBenchPidsCgroup(ctx.cgroups, PIDS_MAX);
    argv = [ctx.bins.launch, 'cgroup-exec', cg.procsFile, ...argv];
  }
  const ns = startProcess(argv, START_TIMEOUT_MS * 2 + ctx.profile.supervisorSettleMs + 10_000);
  let init: number | null = null;
  try {
    init = await waitForChild(ns.pid, START_TIMEOUT_MS);
    if (init === null) {
      ns.kill();
      return { kind: 'failed', reason: describeFailure('no init appeared; unshare', await ns.exited) };
    }
    trackPid(init);
    const deadline = Date.now() + START_TIMEOUT_MS;
    let children = 0;
    while ((children = readChildPids(init).length) < job.services && Date.now() < deadline) await sleep(10);
    if (children < job.services) return { kind: 'failed', reason: `only ${children} of ${job.services} services appeared within ${START_TIMEOUT_MS} ms` };
    await sleep(ctx.profile.supervisorSettleMs);
    const status = readStatus(init);
    if (!status) return { kind: 'failed', reason: `cannot read /proc/${init}/status` };
    const after = readChildPids(init).length;
    if (after < job.services) return { kind: 'failed', reason: `a service died during the settle period (${after} of ${job.services} left)` };
    return { kind: 'ok', status };
  } finally {
    if (init !== null) { killPid(init); untrackPid(init); }
    ns.kill();
    await ns.exited;
    if (cg && !removePidsCgroup(cg.dir)) process.stderr.write(`bench: cannot remove cgroup ${cg.dir}\n`);
    rmSync(dir, { recursive: true, force: true });
  }
}

function formatKiB(kib: number): string {
  if (!Number.isFinite(kib)) return 'n/a';
  return Math.abs(kib) >= 1024 ? `${(kib / 1024).toFixed(2)} MiB` : `${kib.toFixed(0)} KiB`;
}
