// Bad input, in process: thousands of generated argv vectors, environments,
// signal specs, durations and config files (YAML and JSON text, and raw data
// with cycles) through the pure parsers. Each either returns a well-formed
// result or reports a usage/config error as one line: never another exception.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseArgs, type Mode } from '../../src/cli/args';
import { parseSignal, nameSignal, SIGRTMAX, SIGNALS } from '../../src/core/signals';
import { parseDuration } from '../../src/core/duration';
import { ConfigError, parseConfigText, validateConfig } from '../../src/config/parse';
import { parseDoctorArgs } from '../../src/doctor/doctor';
import { parseEnvFile } from '../../src/supervisor/env';
import type { Config } from '../../src/config/types';
import { argvArb, configCaseArb, CONFIG_DATA, envArb, noControl, SIGNAL_SPECS, structuredArgvArb } from './generators';
import { PROFILE, record, SEED } from './lib';
import { escapeControls } from '../../src/init/log';

const RUNS = PROFILE.pureRuns;
const params = (n = RUNS): fc.Parameters<unknown> => ({ numRuns: n, seed: SEED, endOnFailure: false, includeErrorInReport: true });
const ONE_LINE = /^[^\r\n]+$/;
const MAX_MS_PER_CALL = 3000;

function checkMode(m: Mode, args: readonly string[]): void {
  switch (m.kind) {
    case 'usage-error':
      assert.match(m.message, ONE_LINE);
      return;
    case 'run': {
      const o = m.options;
      assert.ok(o.command.length >= 1);
      assert.deepEqual(o.command, args.slice(o.commandIndex));
      assert.ok(Number.isInteger(o.graceMs) && o.graceMs >= 0 && o.graceMs <= 24 * 3_600_000, `grace ${o.graceMs}`);
      assert.ok(Number.isInteger(o.verbosity) && o.verbosity >= 0);
      assert.ok(o.healthPort === null || (Number.isInteger(o.healthPort) && o.healthPort >= 1 && o.healthPort <= 65535));
      assert.ok(o.parentDeathSignal === null || (o.parentDeathSignal >= 1 && o.parentDeathSignal <= SIGRTMAX));
      for (const [from, to] of o.rewrites) assert.ok(from >= 1 && from <= SIGRTMAX && to >= 0 && to <= SIGRTMAX);
      for (const c of o.remapToZero) assert.ok(Number.isInteger(c) && c >= 0 && c <= 255);
      return;
    }
    case 'up':
      assert.equal(typeof m.options.file, 'string');
      assert.ok(m.options.healthPort === null || (m.options.healthPort >= 1 && m.options.healthPort <= 65535));
      return;
    case 'validate':
      assert.equal(typeof m.file, 'string');
      return;
    case 'exec-as':
      assert.ok(m.options.command.length >= 1);
      return;
    case 'control': {
      const c = m.options.command;
      if (c.cmd === 'signal') assert.ok(c.signal >= 1 && c.signal <= SIGRTMAX);
      if (c.cmd === 'restart' || c.cmd === 'stop' || c.cmd === 'start' || c.cmd === 'signal') assert.equal(typeof c.service, 'string');
      return;
    }
    case 'help': case 'version': case 'license':
      return;
  }
}

function timed<T>(fn: () => T): T {
  const t0 = performance.now();
  try { return fn(); } finally {
    const ms = performance.now() - t0;
    assert.ok(ms < MAX_MS_PER_CALL, `one call took ${Math.round(ms)}ms`);
  }
}

function checkConfig(c: Config): void {
  assert.ok(c.services.length >= 1);
  assert.equal(new Set(c.services.map((s) => s.name)).size, c.services.length);
  for (const s of c.services) {
    assert.ok(s.command.length >= 1 && s.command.every((a) => typeof a === 'string'));
    assert.ok(s.stopSignal >= 1 && s.stopSignal <= SIGRTMAX);
    assert.ok(Number.isFinite(s.stopTimeoutMs) && Number.isFinite(s.backoff.initialMs) && Number.isFinite(s.backoff.factor));
    for (const d of s.dependsOn) assert.ok(c.services.some((o) => o.name === d.service));
  }
}

// Either a valid config or a ConfigError whose message, as the logger prints
// it (control characters escaped), is one line naming the file.
function expectConfigOrError(parse: () => Config, file: string): 'valid' | 'error' {
  try {
    checkConfig(timed(parse));
    return 'valid';
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String((e as Error)?.stack ?? e)}`);
    assert.equal(e.exitCode, 2);
    assert.match(escapeControls(e.message), ONE_LINE);
    assert.ok(e.message.startsWith(file), `message does not name the file: ${e.message}`);
    return 'error';
  }
}

describe(`pure parsers (${RUNS} runs each, seed ${SEED})`, () => {
  test('parseArgs: any argv and environment gives a well-formed Mode or a one-line usage error', () => {
    const kinds = new Map<string, number>();
    fc.assert(fc.property(fc.oneof(argvArb(), structuredArgvArb()), envArb(), (args, env) => {
      const m = timed(() => parseArgs(args, env));
      kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
      checkMode(m, args);
    }), params());
    record('fuzz', 'cases', RUNS, 'argv vectors (in process)');
    assert.ok((kinds.get('usage-error') ?? 0) > 0 && (kinds.get('run') ?? 0) > 0, JSON.stringify([...kinds]));
  });

  test('parseArgs with control characters in argv and env never throws; a usage error prints as one line', () => {
    fc.assert(fc.property(argvArb(true), envArb(true), (args, env) => {
      const m = timed(() => parseArgs(args, env));
      if (m.kind === 'usage-error') assert.match(escapeControls(m.message), ONE_LINE);
      else checkMode(m, args);
    }), params());
  });

  test('parseSignal: any text is a signal 1-64 (0 only when allowed) or a one-line reason; names round-trip', () => {
    for (let n = 1; n <= SIGRTMAX; n++) {
      assert.deepEqual(parseSignal(String(n)), { kind: 'ok', signum: n });
      if (n !== 32 && n !== 33) assert.deepEqual(parseSignal(nameSignal(n)), { kind: 'ok', signum: n }, nameSignal(n));
    }
    for (const [name, n] of Object.entries(SIGNALS)) assert.deepEqual(parseSignal(name.toLowerCase().slice(3)), { kind: 'ok', signum: n });
    const text = fc.oneof(fc.constantFrom(...SIGNAL_SPECS), fc.string(), fc.string({ unit: 'grapheme' }), fc.stringMatching(/^(SIG)?RT(MIN|MAX)([+-]\d{1,3})?$/), fc.stringMatching(/^\d{1,25}$/));
    fc.assert(fc.property(text.filter(noControl), fc.boolean(), (t, allowZero) => {
      const r = timed(() => parseSignal(t, { allowZero }));
      if (r.kind === 'ok') assert.ok(Number.isInteger(r.signum) && r.signum >= (allowZero ? 0 : 1) && r.signum <= SIGRTMAX, `${t} -> ${r.signum}`);
      else assert.match(r.reason, ONE_LINE);
      if (r.kind === 'ok' && r.signum === 0) assert.match(t.trim(), /^0+$/);
    }), params());
    record('fuzz', 'cases', RUNS, 'signal specs');
  });

  test('parseDuration: a whole number of ms from 0 to 24h, or a one-line reason', () => {
    const text = fc.oneof(fc.string(), fc.stringMatching(/^\s?\d{0,30}(\.\d{0,10})?\s?(ms|s|m|h|d|)?\s?$/), fc.double().map(String));
    fc.assert(fc.property(text.filter(noControl), (t) => {
      const r = timed(() => parseDuration(t));
      if (r.kind === 'ok') assert.ok(Number.isInteger(r.ms) && r.ms >= 0 && r.ms <= 24 * 3_600_000, `${t} -> ${r.ms}`);
      else assert.match(r.reason, ONE_LINE);
    }), params());
    record('fuzz', 'cases', RUNS, 'durations');
  });

  test('pidone doctor arguments: a pid, help, or a one-line usage error', () => {
    fc.assert(fc.property(argvArb(), (args) => {
      const r = timed(() => parseDoctorArgs(args));
      if (r.kind === 'usage-error') assert.match(r.message, ONE_LINE);
      if (r.kind === 'inspect') assert.ok(Number.isSafeInteger(r.pid) && r.pid >= 1);
    }), params(Math.ceil(RUNS / 4)));
  });

  test('env_file parsing never throws', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.array(fc.stringMatching(/^(export )?[A-Za-z_]\w{0,5}\s?=\s?["']?.{0,8}["']?( #.*)?$/)).map((l) => l.join('\n'))), (t) => {
      const r = timed(() => parseEnvFile(t));
      if (r.kind === 'error') assert.ok(r.line >= 1);
    }), params(Math.ceil(RUNS / 4)));
  });

  test('config text (YAML and JSON; valid, wrong types, broken syntax, bombs): a valid Config or a one-line ConfigError', () => {
    const outcomes = { valid: 0, error: 0 };
    fc.assert(fc.property(configCaseArb(), ({ ext, text }) => {
      const file = `fuzz${ext}`;
      outcomes[expectConfigOrError(() => parseConfigText(text, file, '/srv'), file)] += 1;
    }), params());
    record('fuzz', 'cases', RUNS, 'config files (in process)');
    assert.ok(outcomes.valid > 0 && outcomes.error > 0, JSON.stringify(outcomes));
  });

  test('validateConfig on raw data, including cycles, Maps, Sets, Dates and byte arrays', () => {
    const exotic = fc.constantFrom<unknown>(new Date(0), new Uint8Array([1, 2]), new Set(['a']), Symbol('s'), () => 1, BigInt(1), Object.create(null));
    const withCycles = fc.tuple(CONFIG_DATA, exotic, fc.nat({ max: 3 })).map(([data, odd, how]) => {
      if (data === null || typeof data !== 'object') return data;
      const d = data as Record<string, unknown>;
      const svc = (d.services && typeof d.services === 'object') ? Object.values(d.services as object)[0] as Record<string, unknown> | undefined : undefined;
      if (how === 0) d.self = d;
      if (how === 1 && svc) { svc.env = svc; svc.depends_on = d.services; }
      if (how === 2 && svc) svc.command = [odd];
      if (how === 3) d.services = new Map([['web', { command: odd }], ['db', d]]);
      return d;
    });
    fc.assert(fc.property(withCycles, (data) => {
      expectConfigOrError(() => validateConfig(data, 'raw.yaml', { cwd: '/srv' }), 'raw.yaml');
    }), params(Math.ceil(RUNS / 2)));
    record('fuzz', 'cases', Math.ceil(RUNS / 2), 'raw config data with cycles');
  });
});
