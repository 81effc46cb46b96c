// npm run bench: pidone beside tini, dumb-init and catatonit, each as PID 1 of
// a fresh PID namespace, with the bare Node runtime as the floor. Markdown
// tables on stdout, progress on stderr, raw figures in bench/results/*.json.
// BENCH_QUICK=1 runs a short smoke profile; BENCH_ONLY=id,id runs only those metrics.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findPidsCgroupParent, removeAllPidsCgroups, removeStalePidsCgroups } from './cgroup';
import { buildHelpers } from './helpers-build';
import { describeMachine, renderMachine } from './machine';
import type { BenchContext, MetricReport } from './metrics/context';
import { measureLogs } from './metrics/logs';
import { measureMemory } from './metrics/memory';
import { PLANNED_METRICS } from './metrics/planned';
import { measureReaping } from './metrics/reaping';
import { measureShutdown } from './metrics/shutdown';
import { measureSignals } from './metrics/signals';
import { measureStartup } from './metrics/startup';
import { measureSupervisorMemory } from './metrics/supervisor-memory';
import { UNSHARE } from './namespace';
import { describeFailure, killEverything, runCommand, tieChildrenWith } from './processes';
import { chooseProfile } from './profile';
import { writeResults } from './results';
import { findSubjects, listInits } from './subjects';
import { renderTable } from './table';

const REPO_ROOT = resolve(__dirname, '..', '..');
const PIDONE_JS = join(REPO_ROOT, 'dist/pidone.js');

interface MetricEntry {
  id: string;
  title: string;
  measure(ctx: BenchContext): Promise<MetricReport>;
}

// In the order they run. Planned ones live in metrics/planned.ts until they
// are written.
const METRICS: readonly MetricEntry[] = [
  { id: 'startup', title: '1. Start-up', measure: measureStartup },
  { id: 'memory', title: '2. Memory', measure: measureMemory },
  { id: 'signals', title: '3. Signal forwarding', measure: measureSignals },
  { id: 'reaping', title: '4. Reaping', measure: measureReaping },
  { id: 'shutdown', title: '5. Shutdown', measure: measureShutdown },
  { id: 'logs', title: '6. Log throughput', measure: measureLogs },
  { id: 'supervisor-memory', title: '7. Supervisor memory', measure: measureSupervisorMemory },
];

class BenchSetupError extends Error {
  readonly code = 'BENCH_SETUP';
}

let tmpDir: string | null = null;

async function main(): Promise<void> {
  const startedAt = new Date();
  installCleanup();
  const profile = chooseProfile(process.env);
  await checkPrerequisites();

  const set = findSubjects(REPO_ROOT, PIDONE_JS);
  if (set.missingInits.length > 0) {
    process.stderr.write(`bench: ${set.missingInits.join(', ')} not installed: their rows are skipped. Install with:\n  apt-get update && apt-get install -y ${set.missingInits.join(' ')}\n`);
  }
  if (listInits(set.subjects).every((s) => s.flavor !== 'pidone')) throw new BenchSetupError('no Node runtime found to run pidone with');

  const bins = buildHelpers(REPO_ROOT);
  tieChildrenWith([bins.launch, 'tie']);
  const machine = describeMachine(set);
  process.stdout.write(`# pidone benchmark\n\n${renderMachine(machine, profile.name)}\n`);
  if (set.missingInits.length > 0) {
    process.stdout.write(`Skipped (not installed): ${set.missingInits.join(', ')}. Install with \`apt-get update && apt-get install -y ${set.missingInits.join(' ')}\`.\n\n`);
  }

  tmpDir = mkdtempSync(join(tmpdir(), 'pidone-bench-'));
  const cgroups = findPidsCgroupParent();
  if (cgroups.kind === 'available') {
    const stale = removeStalePidsCgroups(cgroups.parent);
    if (stale.length > 0) process.stderr.write(`bench: removed ${stale.length} cgroup(s) left by an earlier, killed bench\n`);
  }
  const ctx: BenchContext = {
    profile,
    repoRoot: REPO_ROOT,
    pidoneJs: PIDONE_JS,
    subjects: set.subjects,
    bins,
    tmpDir,
    cgroups,
    progress: (m) => process.stderr.write(`bench: ${m}\n`),
  };

  const reports: Record<string, MetricReport | { id: string; error: string }> = {};
  const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean); // e.g. BENCH_ONLY=reaping,memory
  for (const metric of METRICS.filter((m) => only.length === 0 || only.includes(m.id))) {
    const t0 = Date.now();
    process.stdout.write(`## ${metric.title}\n\n`);
    try {
      const report = await metric.measure(ctx);
      reports[metric.id] = report;
      if (report.skipped) process.stdout.write(`${report.skipped}\n\n`);
      for (const t of report.tables) process.stdout.write(`${renderTable(t)}\n`);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      reports[metric.id] = { id: metric.id, error: msg };
      process.stdout.write(`Not measured: the metric failed: ${msg}\n\n`);
    } finally {
      killEverything(); // nothing of one metric may run into the next
    }
    ctx.progress(`${metric.id} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  process.stdout.write(`Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n`);
  if (PLANNED_METRICS.length > 0) {
    process.stdout.write('## Not measured yet\n\n');
    for (const p of PLANNED_METRICS) process.stdout.write(`- ${p.title} (TODO: waits for ${p.waitsFor})\n`);
    process.stdout.write('\n');
  }

  const file = writeResults(REPO_ROOT, startedAt, {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    profile,
    machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
    subjects: set.subjects.map((s) => ({ id: s.id, label: s.label, kind: s.kind, runtime: s.runtime })),
    missingInits: set.missingInits,
    metrics: reports,
    planned: PLANNED_METRICS,
  });
  process.stdout.write(`Raw figures: ${file}\n`);
}

async function checkPrerequisites(): Promise<void> {
  if (process.platform !== 'linux') throw new BenchSetupError('the bench runs on Linux only');
  if (process.getuid?.() !== 0) throw new BenchSetupError('the bench needs root (unshare --pid, pids cgroups)');
  if (!existsSync(PIDONE_JS)) throw new BenchSetupError(`${PIDONE_JS} is missing: run npm run build first (npm run bench does)`);
  const r = await runCommand([...UNSHARE, 'true'], 15_000);
  if (r.code !== 0) throw new BenchSetupError(describeFailure(`cannot make a PID namespace: ${UNSHARE.join(' ')} true`, r));
}

function installCleanup(): void {
  const cleanUp = (): void => {
    killEverything();
    removeAllPidsCgroups();
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`bench: ${sig}: stopping everything started\n`);
      process.exit(130);
    });
  }
}

main().catch((err: unknown) => {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
});
