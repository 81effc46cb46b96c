// What is measured: the reference inits (when installed), pidone once per Node
// runtime, and each bare Node runtime as the floor.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, sep } from 'node:path';

export interface NodeRuntime {
  bin: string;
  version: string; // "20.20.2"
  major: number;
}

export type Subject =
  | {
    kind: 'init';
    id: string;               // "tini", "pidone-node20"
    label: string;            // "pidone (node 20.20.2)"
    flavor: 'reference' | 'pidone';
    runtime: NodeRuntime | null;
    command(child: readonly string[]): string[]; // the init running `child`
  }
  | {
    kind: 'floor';
    id: string;               // "node20"
    label: string;            // "bare node 20.20.2"
    runtime: NodeRuntime;
  };

export type InitSubject = Extract<Subject, { kind: 'init' }>;
export type FloorSubject = Extract<Subject, { kind: 'floor' }>;

export interface SubjectSet {
  subjects: Subject[];
  runtimes: NodeRuntime[];
  missingInits: string[];
}

const REFERENCE_INITS = ['tini', 'dumb-init', 'catatonit'];

export function findSubjects(repoRoot: string, pidoneJs: string): SubjectSet {
  const subjects: Subject[] = [];
  const missingInits: string[] = [];
  for (const name of REFERENCE_INITS) {
    const bin = findOnPath(name);
    if (!bin) { missingInits.push(name); continue; }
    subjects.push({ kind: 'init', id: name, label: name, flavor: 'reference', runtime: null, command: (child) => [bin, '--', ...child] });
  }
  const runtimes = findNodeRuntimes(repoRoot);
  for (const rt of runtimes) {
    subjects.push({
      kind: 'init',
      id: `pidone-node${rt.major}`,
      label: `pidone (node ${rt.version})`,
      flavor: 'pidone',
      runtime: rt,
      command: (child) => [rt.bin, pidoneJs, '--', ...child],
    });
  }
  for (const rt of runtimes) {
    subjects.push({ kind: 'floor', id: `node${rt.major}`, label: `bare node ${rt.version}`, runtime: rt });
  }
  return { subjects, runtimes, missingInits };
}

export function listInits(subjects: readonly Subject[]): InitSubject[] {
  return subjects.filter((s): s is InitSubject => s.kind === 'init');
}

export function listFloors(subjects: readonly Subject[]): FloorSubject[] {
  return subjects.filter((s): s is FloorSubject => s.kind === 'floor');
}

// The default `node`, then the versions installed as devDependencies. Under
// `npm run`, node_modules/.bin comes first in PATH and the node22 package puts
// a `node` there, so the default one is looked up outside node_modules.
function findNodeRuntimes(repoRoot: string): NodeRuntime[] {
  const candidates = [
    findOnPath('node', { skipNodeModules: true }) ?? process.execPath,
    join(repoRoot, 'node_modules/node22/bin/node'),
    join(repoRoot, 'node_modules/node24/bin/node'),
  ];
  const byMajor = new Map<number, NodeRuntime>();
  for (const bin of candidates) {
    if (!existsSync(bin)) continue;
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    const m = /^v(\d+)\.(\d+)\.(\d+)/.exec(r.stdout ?? '');
    if (!m) continue;
    const major = Number(m[1]);
    if (!byMajor.has(major)) byMajor.set(major, { bin, version: `${m[1]}.${m[2]}.${m[3]}`, major });
  }
  return [...byMajor.values()].sort((a, b) => a.major - b.major);
}

export function findOnPath(name: string, opts: { skipNodeModules?: boolean } = {}): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    if (opts.skipNodeModules && dir.split(sep).includes('node_modules')) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch { /* next */ }
  }
  return null;
}
