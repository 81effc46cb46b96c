// The machine the figures come from, printed at the top and kept in the JSON.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import type { SubjectSet } from './subjects';

export interface Machine {
  cpuModel: string;
  cores: number;
  kernel: string;
  loadAverageAtStart: number[];
  nodeVersions: string[];
  harnessNode: string;
  initVersions: Record<string, string>;
  unshareVersion: string;
}

export function describeMachine(set: SubjectSet): Machine {
  const initVersions: Record<string, string> = {};
  for (const s of set.subjects) {
    if (s.kind !== 'init' || s.flavor !== 'reference') continue;
    initVersions[s.id] = askVersion(s.command([])[0]!, '--version');
  }
  return {
    cpuModel: readCpuModel(),
    cores: cpus().length,
    kernel: release(),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    nodeVersions: set.runtimes.map((r) => `${r.version} (${r.bin})`),
    harnessNode: `${process.version} (${process.execPath})`,
    initVersions,
    unshareVersion: askVersion('unshare', '--version'),
  };
}

export function renderMachine(m: Machine, profileName: string): string {
  return [
    '## Machine',
    '',
    `- CPU: ${m.cpuModel}, ${m.cores} cores`,
    `- kernel: ${m.kernel}`,
    `- load average at start: ${m.loadAverageAtStart.join(' ')} (shared machine: figures are noisy)`,
    `- node runtimes measured: ${m.nodeVersions.join('; ')}`,
    `- the harness itself runs on node ${m.harnessNode}`,
    ...Object.entries(m.initVersions).map(([k, v]) => `- ${k}: ${v}`),
    `- ${m.unshareVersion}`,
    `- profile: ${profileName}${profileName === 'quick' ? ' (BENCH_QUICK=1: few repetitions, smoke test only)' : ''}`,
    '',
  ].join('\n');
}

function readCpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch { /* fall through */ }
  return cpus()[0]?.model ?? 'unknown';
}

function askVersion(bin: string, flag: string): string {
  const r = spawnSync(bin, [flag], { encoding: 'utf8', timeout: 10_000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0];
  return text || 'unknown version';
}
