// pm2-runtime, the Node process manager's container entry point, as a
// comparison for pidone's supervisor mode. It is a devDependency; with
// bin-links=false there is no node_modules/.bin/pm2-runtime, so it is run by
// path with the machine's Node 20 (or the oldest runtime the bench has).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeRuntime, Subject } from './subjects';

export type Pm2 =
  | { kind: 'available'; script: string; version: string; node: NodeRuntime; label: string }
  | { kind: 'missing'; reason: string };

export function findPm2(repoRoot: string, subjects: readonly Subject[]): Pm2 {
  const script = join(repoRoot, 'node_modules/pm2/bin/pm2-runtime');
  if (!existsSync(script)) {
    return { kind: 'missing', reason: `pm2-runtime not installed (${script} is missing: run npm install; pm2 is a devDependency)` };
  }
  let version = 'unknown';
  try {
    version = String((JSON.parse(readFileSync(join(repoRoot, 'node_modules/pm2/package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch { /* keep unknown */ }
  const runtimes = subjects.flatMap((s) => (s.kind === 'floor' ? [s.runtime] : []));
  const node = runtimes.find((r) => r.major === 20) ?? runtimes[0];
  if (!node) return { kind: 'missing', reason: 'no Node runtime to run pm2-runtime with' };
  return { kind: 'available', script, version, node, label: `pm2-runtime ${version} (node ${node.version})` };
}

// The argv that makes pm2-runtime PID 1 with its home in `home`: `env` execs
// node, so node keeps the pid. pm2 keeps sockets, pids and logs in PM2_HOME.
export function pm2RuntimeCommand(pm2: Extract<Pm2, { kind: 'available' }>, home: string, args: readonly string[]): string[] {
  return ['env', `PM2_HOME=${home}`, pm2.node.bin, pm2.script, ...args];
}
