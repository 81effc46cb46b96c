// The JSON record of a run: bench/results/<timestamp>.json (gitignored).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeResults(repoRoot: string, startedAt: Date, record: unknown): string {
  const dir = join(repoRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
