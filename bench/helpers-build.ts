// Compiles bench/c/*.c into build/bench-bin/ with gcc at bench start. The
// workload child is linked statically so its own start-up is microseconds.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findOnPath } from './subjects';

export interface HelperBins {
  launch: string;
  child: string;
  sigbench: string;
  stopbench: string;
  logwriter: string;
  logbench: string;
  childIsStatic: boolean;
}

export class HelperBuildError extends Error {
  readonly code = 'HELPER_BUILD';
}

export function buildHelpers(repoRoot: string): HelperBins {
  if (!findOnPath('gcc')) {
    throw new HelperBuildError('cannot compile the C helpers: gcc is missing; install it with: apt-get update && apt-get install -y gcc libc6-dev');
  }
  const src = join(repoRoot, 'bench/c');
  const out = join(repoRoot, 'build/bench-bin');
  mkdirSync(out, { recursive: true });
  const compile = (name: string, extra: string[]): boolean => {
    const r = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', ...extra, '-o', join(out, name), join(src, `${name}.c`)], { encoding: 'utf8' });
    if (r.status !== 0 && extra.length === 0) {
      throw new HelperBuildError(`cannot compile bench/c/${name}.c:\n${r.stderr}`);
    }
    if (r.stderr.trim()) process.stderr.write(r.stderr);
    return r.status === 0;
  };
  for (const name of ['launch', 'sigbench', 'stopbench', 'logwriter', 'logbench']) compile(name, []);
  let childIsStatic = compile('child', ['-static']);
  if (!childIsStatic) {
    process.stderr.write('bench: static linking failed (libc6-dev missing libc.a?); using a dynamic child\n');
    compile('child', []);
    childIsStatic = false;
  }
  return {
    launch: join(out, 'launch'),
    child: join(out, 'child'),
    sigbench: join(out, 'sigbench'),
    stopbench: join(out, 'stopbench'),
    logwriter: join(out, 'logwriter'),
    logbench: join(out, 'logbench'),
    childIsStatic,
  };
}
