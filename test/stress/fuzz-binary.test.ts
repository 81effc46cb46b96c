// Bad input, through the real binary: `node dist/pidone.js ARGS` with fuzzed
// argv and environment, and `pidone validate -f FILE` / `pidone up -f FILE`
// with fuzzed config files. Each run must end with a documented exit code; an
// error from pidone itself is exactly one "pidone: " line on stderr, the same
// message the pure parser predicts; and there is never a Node stack trace.
// Runs outside a namespace: every command that could run is replaced by a
// harmless one (true, false, exit 3, a missing file, a directory).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseArgs, type Mode } from '../../src/cli/args';
import { ConfigError, parseConfigText } from '../../src/config/parse';
import { makeTempDir } from '../e2e/harness';
import { argvArb, configCaseArb, envArb, structuredArgvArb, tokenArb } from './generators';
import { looksLikeCrash, PROFILE, record, runBinary, SEED, type BinaryRun } from './lib';

const PWNED = '/tmp/pidone-fuzz-pwned';

// Commands that may run, with the status each ends with (as root, and as nobody for exec-as).
const SAFE: Array<{ argv: string[]; code: number; nobodyCode?: number }> = [
  { argv: ['true'], code: 0 },
  { argv: ['false'], code: 1 },
  { argv: ['sh', '-c', 'exit 3'], code: 3 },
  { argv: ['/nonexistent/pidone-fuzz'], code: 127 },
  { argv: ['/etc'], code: 126 },
  { argv: ['/etc/hostname'], code: 126 },
];
const SAFE_HOSTS = new Set(['127.0.0.1', '::1']);
const VALID_CONFIG = 'services:\n  one:\n    command: ["true"]\n';

let dir = '';
let runs = 0;
const codes = new Map<string, number>();

function tally(label: string): void {
  codes.set(label, (codes.get(label) ?? 0) + 1);
}

function env(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', PIDONE_SOCKET: join(dir, `ctl-${++runs}.sock`), ...extra };
}

function describeRun(args: readonly string[], e: Record<string, string>, r: BinaryRun): string {
  return JSON.stringify({ args, env: e, code: r.code, signal: r.signal, stderr: r.stderr.slice(0, 2000), stdout: r.stdout.slice(0, 300) });
}

function expectOneLine(r: BinaryRun, what: string, exact?: string): void {
  const lines = r.stderr.split('\n');
  assert.equal(lines.length, 2, `${what}: not one line on stderr`);
  assert.equal(lines[1], '');
  assert.ok(lines[0]!.startsWith('pidone: '), `${what}: no "pidone: " prefix`);
  if (exact === undefined) return;
  // Compared as the bytes pidone writes (a lone surrogate becomes U+FFFD); where
  // the parser ran out of stack, the position depends on the stack size.
  const norm = (s: string): string => (s.includes('Maximum call stack size exceeded') ? s.replace(/:\d+:\d+: /, ': ') : s);
  assert.equal(norm(lines[0]!), norm(Buffer.from(`pidone: ${exact}`).toString()), what);
}

function isSafePath(p: string): boolean {
  return !p.startsWith('/') && !p.includes('..');
}

// Replaces whatever would run with a harmless command, and refuses inputs that
// would touch paths or hosts outside the test's own folder.
function makeSafe(args: string[], safe: number, e: Record<string, string>): { args: string[]; mode: Mode } | null {
  let mode = parseArgs(args, e);
  if (mode.kind === 'run') {
    args = [...args.slice(0, mode.options.commandIndex), ...SAFE[safe]!.argv];
    mode = parseArgs(args, e);
    if (mode.kind !== 'run') return null;
    const o = mode.options;
    if (o.socket !== null && !isSafePath(o.socket)) return null;
    if (o.healthPort !== null && !SAFE_HOSTS.has(o.healthHost)) return null;
  }
  if (mode.kind === 'exec-as') {
    args = [...args.slice(0, 3), ...SAFE[safe]!.argv];
    mode = parseArgs(args, e);
    if (mode.kind !== 'exec-as') return null;
  }
  if (mode.kind === 'up' && (mode.options.socket !== null && !isSafePath(mode.options.socket))) return null;
  if (mode.kind === 'up' && mode.options.healthPort !== null && !SAFE_HOSTS.has(mode.options.healthHost)) return null;
  if (mode.kind === 'control' && mode.options.socket !== null && !isSafePath(mode.options.socket)) return null;
  return { args, mode };
}

function predictConfig(file: string): { ok: true } | { ok: false; message: string } {
  try {
    parseConfigText(readFileSync(join(dir, file), 'utf8'), file, dir);
    return { ok: true };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, message: err.message };
    return { ok: false, message: '' }; // unreadable (a folder, missing): the binary says why
  }
}

function checkRun(args: string[], mode: Mode, safe: number, e: Record<string, string>, r: BinaryRun): void {
  const ctx = describeRun(args, e, r);
  assert.ok(!r.timedOut, `timed out: ${ctx}`);
  assert.equal(r.signal, null, `killed by a signal: ${ctx}`);
  const crash = looksLikeCrash(r.stderr);
  assert.equal(crash, null, `${crash}: ${ctx}`);
  assert.ok(!existsSync(PWNED), `something ran a shell on fuzzed input: ${ctx}`);
  switch (mode.kind) {
    case 'usage-error':
      tally('usage error (1)');
      assert.equal(r.code, 1, ctx);
      expectOneLine(r, ctx, `${mode.message} (pidone -h lists the options)`);
      return;
    case 'help': case 'version': case 'license':
      tally(`${mode.kind} (0)`);
      assert.equal(r.code, 0, ctx);
      assert.ok(r.stdout.length > 0, ctx);
      assert.equal(r.stderr, '', ctx);
      return;
    case 'run': {
      const child = SAFE[safe]!.code;
      // -e remaps the child's status; 126/127 here are pidone's own (the spawn failed), never remapped.
      const expected = child < 126 && mode.options.remapToZero.has(child) ? 0 : child;
      tally(`run (${expected})`);
      assert.equal(r.code, expected, ctx);
      for (const line of r.stderr.split('\n').filter(Boolean)) assert.ok(line.startsWith('pidone: '), `stray stderr line "${line}": ${ctx}`);
      if (child >= 126) assert.match(r.stderr, /^pidone: cannot run '.*': /m, ctx);
      assert.equal(r.stdout, '', `pidone wrote to stdout: ${ctx}`);
      return;
    }
    case 'validate': case 'up': {
      const file = mode.kind === 'validate' ? mode.file : mode.options.file;
      tally(`${mode.kind} (${r.code})`);
      assert.ok(r.code === 0 || r.code === 2, ctx);
      if (r.code === 2) expectOneLine(r, ctx);
      if (r.code === 0 && mode.kind === 'validate') assert.match(r.stdout, /: valid, \d+ service\(s\): /, ctx);
      if (!file.startsWith('/') && !existsSync(join(dir, file))) assert.equal(r.code, 2, `a missing file must be a config error: ${ctx}`);
      return;
    }
    case 'exec-as': {
      tally(`exec-as (${r.code})`);
      assert.ok([0, 1, 3, 126, 127].includes(r.code ?? -1), ctx);
      if (r.code === 126 || r.code === 127) expectOneLine(r, ctx);
      return;
    }
    case 'control':
      tally(`${mode.options.command.cmd} (${r.code})`);
      assert.ok([0, 1, 3].includes(r.code ?? -1), ctx);
      if (r.code !== 0) expectOneLine(r, ctx);
      return;
  }
}

describe(`real binary with fuzzed input (${PROFILE.cliRuns} argv runs, ${PROFILE.configRuns} config runs, seed ${SEED})`, () => {
  before(() => {
    dir = makeTempDir();
    writeFileSync(join(dir, 'pidone.yaml'), VALID_CONFIG);
    writeFileSync(join(dir, 'broken.yaml'), 'services:\n  web:\n    command: [x\n');
    writeFileSync(join(dir, 'bad.json'), '{"services": {"web": {"restart": "sometimes", "command": "x"}}}');
    mkdirSync(join(dir, 'folder.yaml'));
    rmSync(PWNED, { force: true });
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    console.log(`# outcomes: ${[...codes].sort().map(([k, v]) => `${k} x${v}`).join(', ')}`);
  });

  test('argv and environment: documented exit codes, one-line errors, no stack traces', async () => {
    const files = fc.constantFrom('pidone.yaml', 'broken.yaml', 'bad.json', 'folder.yaml', 'missing.yaml');
    const ids = fc.constantFrom('65534:65534:', '65534:65534:65534', '0:0:', '1:1:1,2', '65534:65534:x', ':::', '65534:65534');
    const keep = fc.constantFrom('--keep-fds=0,1,2', '--keep-fds=0,1,2,3', '--keep-fds=', '--keep-fds=x');
    const execAs = fc.tuple(ids, keep, fc.constantFrom('--', '-', 'x')).map(([i, k, d]) => ['exec-as', i, k, d, 'placeholder']);
    const upOrValidate = fc.tuple(fc.constantFrom('up', 'validate'), fc.array(fc.oneof(tokenArb(false), files, fc.constantFrom('-f', '--file')), { maxLength: 4 }));
    const argv = fc.oneof(
      { weight: 3, arbitrary: argvArb() },
      { weight: 5, arbitrary: structuredArgvArb() },
      { weight: 2, arbitrary: upOrValidate.map(([c, rest]) => [c, ...rest]) },
      { weight: 1, arbitrary: execAs },
    );
    await fc.assert(fc.asyncProperty(argv, envArb(), fc.nat({ max: SAFE.length - 1 }), async (raw, fuzzEnv, safe) => {
      const e = env(fuzzEnv);
      const made = makeSafe(raw, safe, e);
      fc.pre(made !== null);
      const { args, mode } = made!;
      const r = await runBinary(args, { env: e, cwd: dir, replaceEnv: true, timeoutMs: 20_000 });
      checkRun(args, mode, safe, e, r);
    }), { numRuns: PROFILE.cliRuns, seed: SEED, endOnFailure: true, includeErrorInReport: true });
    record('fuzz', 'cases', PROFILE.cliRuns, 'argv vectors (real binary)');
  });

  test('config files: validate exits 0 or 2 with the exact one-line message; up exits 2 before starting anything', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(configCaseArb(false), fc.boolean(), async ({ ext, text }, viaUp) => {
      const file = `case-${++n}${ext}`;
      writeFileSync(join(dir, file), text);
      const predicted = predictConfig(file);
      // `up` only on files the parser rejects: a fuzzed valid config could run anything.
      const useUp = viaUp && !predicted.ok;
      const args = useUp ? ['up', '-f', file] : ['validate', '-f', file];
      const e = env({});
      const r = await runBinary(args, { env: e, cwd: dir, replaceEnv: true, timeoutMs: 20_000 });
      const ctx = `${describeRun(args, e, r)}\nfile text: ${JSON.stringify(text.slice(0, 500))}`;
      rmSync(join(dir, file), { force: true });
      assert.ok(!r.timedOut && r.signal === null, ctx);
      assert.equal(looksLikeCrash(r.stderr), null, ctx);
      if (predicted.ok) {
        assert.equal(r.code, 0, ctx);
        assert.match(r.stdout, new RegExp(`^${file.replace(/\./g, '\\.')}: valid, \\d+ service\\(s\\): `), ctx);
        tally('config valid (0)');
      } else {
        assert.equal(r.code, 2, ctx);
        expectOneLine(r, ctx, predicted.message || undefined);
        assert.equal(useUp ? r.stdout : '', '', `up started something: ${ctx}`);
        tally(`config error via ${useUp ? 'up' : 'validate'} (2)`);
      }
    }), { numRuns: PROFILE.configRuns, seed: SEED, endOnFailure: true, includeErrorInReport: true });
    record('fuzz', 'cases', PROFILE.configRuns, 'config files (real binary)');
  });
});
