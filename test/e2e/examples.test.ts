// The examples must stay true: every config validates, and every pidone command
// line in a Dockerfile, compose file or pod spec parses with real flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseArgs } from '../../src/cli/args';
import { NODE, PIDONE, ROOT } from './harness';

const EXAMPLES = join(ROOT, 'examples');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

// Every exec-form pidone invocation: ENTRYPOINT/CMD/HEALTHCHECK JSON arrays, and entrypoint/command lists in YAML.
function findPidoneCommands(file: string): string[][] {
  const text = readFileSync(file, 'utf8');
  const arrays: unknown[] = [];
  if (file.endsWith('Dockerfile')) {
    for (const m of text.matchAll(/^\s*(?:ENTRYPOINT|CMD|HEALTHCHECK[^[]*CMD)\s+(\[.*\])\s*$/gm)) arrays.push(JSON.parse(m[1]!));
  } else {
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) { if (v.every((x) => typeof x === 'string')) arrays.push(v); else v.forEach(walk); } else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(parse(text));
  }
  return (arrays as string[][]).filter((a) => a[0] === 'pidone');
}

test('every example config passes pidone validate', () => {
  const configs = listFiles(EXAMPLES).filter((f) => /pidone\.ya?ml$/.test(f));
  assert.ok(configs.length >= 2);
  for (const file of configs) {
    const r = spawnSync(NODE, [PIDONE, 'validate', '-f', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${file}: ${r.stderr}`);
  }
});

test('every pidone command line in a Dockerfile, compose file or pod spec uses real flags', () => {
  const files = listFiles(EXAMPLES).filter((f) => /Dockerfile$|compose\.ya?ml$|pod\.ya?ml$/.test(f));
  let seen = 0;
  for (const file of files) {
    for (const argv of findPidoneCommands(file)) {
      seen += 1;
      const args = argv.slice(1);
      const asSingle = args[args.length - 1] === '--' ? [...args, 'node'] : args; // CMD supplies the command
      const mode = parseArgs(asSingle, {});
      assert.notEqual(mode.kind, 'usage-error', `${file}: ${JSON.stringify(argv)}: ${JSON.stringify(mode)}`);
    }
  }
  assert.ok(seen >= 5, `only ${seen} pidone command lines found`);
});

test('the pod spec gives pidone more time than its stop_grace', () => {
  const pod = parse(readFileSync(join(EXAMPLES, 'kubernetes', 'pod.yaml'), 'utf8')) as { spec: { terminationGracePeriodSeconds: number } };
  const config = parse(readFileSync(join(EXAMPLES, 'multi-service', 'pidone.yaml'), 'utf8')) as { stop_grace: string };
  assert.ok(pod.spec.terminationGracePeriodSeconds * 1000 > Number.parseFloat(config.stop_grace) * 1000);
});
