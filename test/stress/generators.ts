// fast-check generators of bad (and some good) input: argv vectors, the
// environment pidone reads, signal specs, and config files as YAML or JSON
// text, from well-formed with wrong types to broken syntax and parser bombs.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { SERVICE_KEYS, TOP_KEYS } from '../../src/config/keys';

export const SUBCOMMANDS = ['up', 'validate', 'exec-as', 'status', 'check', 'ps', 'restart', 'stop', 'start', 'signal'];

export const FLAGS = [
  '-h', '-V', '-l', '-s', '-g', '-c', '-w', '-v', '-vv', '-vvv', '-p', '-e', '-r', '-x', '-f',
  '--help', '--version', '--license', '--subreaper', '--process-group', '--single-child', '--warn-on-reap',
  '--verbose', '--pdeath-signal', '--expect-exit', '--rewrite', '--setsid', '--grace', '--no-tree-stop',
  '--socket', '--health-port', '--health-host', '--file', '--log-format', '--timestamps', '--json', '--ready',
  '--live', '--keep-fds=0,1,2', '--keep-fds=', '--', '-', '---', '--=', '--grace=', '--no-tree-stop=1', '-vx',
];

export const SIGNAL_SPECS = [
  'TERM', 'SIGTERM', 'sigterm', ' term ', 'KILL', 'STOP', 'SIGCHLD', 'HUP', 'USR1', 'SIGUSR2', 'WINCH', 'IOT', 'POLL',
  '0', '00', '1', '15', '31', '32', '34', '64', '65', '-1', '+15', '1.5', '1e1', '0x0f', '99999999999999999999',
  'RTMIN', 'RTMIN+0', 'RTMIN+30', 'RTMIN+31', 'SIGRTMAX-30', 'SIGRTMAX-31', 'RTMAX+1', 'RTMIN-1', 'SIGRTMIN+', 'SIG',
  'SIGSIGTERM', 'TERM ', '\tINT', 'ＴＥＲＭ', 'ſigterm', 'sıgterm', '15:3', '15:0', 'TERM:KILL', '1:2:3', ':', '15:', ':3',
];

export const DURATIONS = ['0', '0s', '5', '5s', '500ms', '1.5s', '2m', '1h', '24h', '24h1s', '25h', '86400', '86401', '1e3', '-5s', '5 s', ' 5s ', '5S', 's', '.5s', '5.s', 'Infinity', 'NaN', '9'.repeat(400), '0.0001ms'];

export const NUMBERS = ['0', '1', '3', '126', '127', '255', '256', '-1', '65535', '65536', '8080x', '00', '007', '4294967295', '4294967296', '1e3', ''];

export const WEIRD = ['', ' ', '\t', 'ü', '日本語', '🙂', '\u202e', '\u00a0', 'a'.repeat(5000), '$(touch /tmp/pidone-fuzz-pwned)', '`id`', '; rm -rf /', '%s%n', '../../..', '/dev/null', '-', '--', '=', 'x=y'];

const PLAIN = fc.string({ maxLength: 12 });
const UNICODE = fc.string({ unit: 'grapheme', maxLength: 12 });
const BINARYISH = fc.string({ unit: 'binary', maxLength: 12 });

// Control characters (newlines) in input are asked for separately: an error
// that quotes them is not one line (see test/stress/known-failures.md).
export function noControl(s: string): boolean {
  return !/[\u0000-\u001f\u007f\u2028\u2029\u0085]/.test(s);
}

export function tokenArb(withControl: boolean): fc.Arbitrary<string> {
  const free = fc.oneof(PLAIN, UNICODE, BINARYISH);
  const token = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...FLAGS) },
    { weight: 2, arbitrary: fc.constantFrom(...SUBCOMMANDS) },
    { weight: 3, arbitrary: fc.constantFrom(...SIGNAL_SPECS, ...DURATIONS, ...NUMBERS) },
    { weight: 1, arbitrary: fc.constantFrom(...WEIRD) },
    { weight: 2, arbitrary: free },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...FLAGS.filter((f) => f.startsWith('--') && f.length > 2)), fc.oneof(fc.constantFrom(...SIGNAL_SPECS, ...DURATIONS, ...NUMBERS), free)).map(([f, v]) => `${f}=${v}`) },
    { weight: 2, arbitrary: fc.tuple(fc.stringMatching(/^-[hVlsgcwvpererx]{1,4}$/), fc.constantFrom('', ...SIGNAL_SPECS, ...NUMBERS)).map(([f, v]) => `${f}${v}`) },
  );
  return withControl ? token : token.filter(noControl);
}

export function argvArb(withControl = false): fc.Arbitrary<string[]> {
  return fc.array(tokenArb(withControl), { maxLength: 8 });
}

export type FuzzEnv = Record<string, string>;

export function envArb(withControl = false): fc.Arbitrary<FuzzEnv> {
  const junk = fc.oneof(fc.constantFrom(...DURATIONS, ...NUMBERS, ...SIGNAL_SPECS, 'yes', ''), withControl ? UNICODE : UNICODE.filter(noControl));
  const mostly = (...good: string[]): fc.Arbitrary<string> => fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: junk });
  const vars = fc.record({
    TINI_VERBOSITY: mostly('0', '1', '2', '3', ''), TINI_KILL_PROCESS_GROUP: mostly('1', '0', ''), TINI_SUBREAPER: mostly('1', ''),
    DUMB_INIT_SETSID: mostly('0', '1'), PIDONE_GRACE: mostly('1s', '500ms', '0', ''), PIDONE_TREE_STOP: mostly('0', '1'),
    PIDONE_CONFIG: mostly('pidone.yaml', 'broken.yaml', 'missing.yaml', ''),
  }, { requiredKeys: [] }) as fc.Arbitrary<FuzzEnv>;
  return fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 3, arbitrary: vars });
}

// ---- config files ----

const VALUE_LEAVES: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    true, false, null, 0, -0, 1, -1, 3.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1, 4294967295, 4294967296, 65535, 65536,
    'x', '', ' ', 'TERM', 'SIGKILL', 'SIGSTOP', 'RTMIN+2', '5s', '500ms', '25h', '-1s', 'no', 'on-failure', 'always', 'ignore',
    'stop-container', 'started', 'ready', 'completed_successfully', 'text', 'json', 'nobody', 'root', '65534', '4294967296',
    'http://127.0.0.1:1/x', 'tcp', '127.0.0.1:99999', '/nonexistent', '../..', 'a'.repeat(20_000), 'ü日本🙂', '\u202e',
    '$(touch /tmp/pidone-fuzz-pwned)', '__proto__', 'constructor',
  ),
  fc.integer(), fc.double(), fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 20 }),
);

const VALUE: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: VALUE_LEAVES },
    { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...SERVICE_KEYS, 'condition', 'tcp', 'http', 'exec', 'file', 'ipc', 'notify_fd', 'sd_notify', 'timeout', 'interval', 'initial', 'max', 'factor', 'reset_after', 'url', 'status', 'retries'), PLAIN), tie('v'), { maxKeys: 4 }) },
  ),
})).v;

// Values a service key may well accept, so the generator reaches past the first check.
const GOOD_VALUE: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  '5s', '500ms', 'SIGTERM', 'HUP', 15, true, false, 'on-failure', 'always', 'no', 'ignore', 'stop-container', 3, 0,
  { initial: '100ms', max: '1s' }, { initial: '2s', max: '1s' }, { factor: 0.5 }, ['SIGUSR1'], ['SIGKILL'], { A: 'b', N: 1 }, 'nobody', '65534', 4294967295,
  { tcp: 8080 }, { http: 'http://127.0.0.1:8080/' }, { exec: ['true'] }, { file: '/tmp/x' }, { ipc: true }, { notify_fd: 5 }, { notify_fd: 1 }, { sd_notify: true },
  { tcp: 8080, timeout: '1s', interval: '0ms' }, { http: 'ftp://x' }, { exec: 'true', retries: 0 }, { retries: 3, interval: '1s', tcp: 1 }, '/tmp', 'relative/dir',
);

const GOOD_NAMES = ['web', 'db', 'worker', 'a', 'b', 'c'];
const SERVICE_NAMES = ['web', 'db', 'worker', 'a', 'b', 'c', 'x-1', 'web.2', '_bad', '-bad', 'has space', '', 'ü', '__proto__', 'constructor', 'toString'];

// A service: mostly real keys with right or wrong values, so checks deep in
// the validator are reached, not just "unknown key".
const SERVICE: fc.Arbitrary<Record<string, unknown>> = fc.record({
  command: fc.oneof(fc.constant(['true']), fc.constant('exit 0'), fc.array(fc.oneof(fc.constant('true'), VALUE_LEAVES), { maxLength: 3 }), VALUE),
  extra: fc.dictionary(fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...SERVICE_KEYS.filter((k) => k !== 'command')) }, { weight: 1, arbitrary: PLAIN }), fc.oneof({ weight: 2, arbitrary: GOOD_VALUE }, { weight: 1, arbitrary: VALUE }), { maxKeys: 4 }),
  depends: fc.option(fc.oneof(
    fc.array(fc.constantFrom(...SERVICE_NAMES), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...SERVICE_NAMES), fc.oneof(fc.constant(null), fc.record({ condition: fc.constantFrom<unknown>('started', 'ready', 'completed_successfully', 'bogus', 1) }))),
  )),
  keep: fc.boolean(),
}).map(({ command, extra, depends, keep }) => {
  const s: Record<string, unknown> = keep ? { command } : {};
  Object.assign(s, extra);
  if (!keep && !('command' in s)) s.command = command;
  if (depends !== null) s.depends_on = depends;
  return s;
});

export const CONFIG_DATA: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.record({
    services: fc.dictionary(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...GOOD_NAMES) }, { weight: 1, arbitrary: fc.constantFrom(...SERVICE_NAMES) }, { weight: 1, arbitrary: PLAIN }), SERVICE, { minKeys: 1, maxKeys: 5 }),
    top: fc.oneof(
      { weight: 3, arbitrary: fc.constant({}) },
      { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...TOP_KEYS.filter((k) => k !== 'services'), 'x-anchors'), fc.oneof(fc.constantFrom<unknown>('5s', '0', 'text', 'json', true, false), VALUE), { maxKeys: 3 }) },
      { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...TOP_KEYS, 'version'), PLAIN), VALUE, { maxKeys: 2 }) },
    ),
  }).map(({ services, top }) => ({ ...top, services })) },
  { weight: 1, arbitrary: VALUE },
);

// A few hand-made files that stress the parser rather than the validator.
export const NASTY_YAML = [
  '', '\n', '---', '--- !!map', '...', '\uFEFF', 'services:', 'services: ~', 'services: []', 'services: {}', '[', '{', '}', ']', ': :',
  'services:\n  web:\n    command: x\n  web:\n    command: y\n',
  'a: &a [*a]\nservices: {web: {command: x}}\n',
  'x-a: &a {command: x, <<: *a}\nservices: {web: *a}\n',
  'services: &s {web: {command: x, depends_on: *s}}\n',
  `lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n${Array.from({ length: 9 }, (_, i) => `lol${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`).join('\n')}\nservices: {web: {command: x}}\n`,
  `services: ${'['.repeat(3000)}${']'.repeat(3000)}\n`,
  `services: ${'{a: '.repeat(2000)}1${'}'.repeat(2000)}\n`,
  `services:\n${'  '.repeat(1)}web:\n    command: [${Array(20000).fill('x').join(', ')}]\n`,
  `services:\n  web:\n    command: "${'a'.repeat(2_000_000)}"\n`,
  'services:\n  web:\n    command: !!binary aGVsbG8=\n',
  'services:\n  web:\n    command: !!set {a, b}\n',
  'services:\n  web:\n    command: !!omap [a: 1]\n',
  'services:\n  web:\n    command: !!timestamp 2001-12-14\n',
  'services:\n  web:\n    command: !custom x\n',
  'services:\n  web:\n    command: !!str\n',
  'services:\n  web:\n    command: x\n    stop_timeout: .inf\n',
  'services:\n  web:\n    command: x\n    backoff: {factor: .nan}\n',
  'services:\n  web:\n    command: x\n    max_restarts: 0x7fffffffffffffffff\n',
  'services:\n  web:\n    command: x\n    env: {A: [1], B: {c: d}}\n',
  'services:\n  web:\n    command: x\n    env: {"": x}\n',
  'services:\n  ? [a, b]\n  : {command: x}\n',
  'services:\n  1: {command: x}\n  true: {command: y}\n  null: {command: z}\n',
  'services:\n\tweb:\n\t\tcommand: x\n',
  'services:\n  web: {command: x, depends_on: [web]}\n',
  'services:\n  a: {command: x, depends_on: [b]}\n  b: {command: x, depends_on: [c]}\n  c: {command: x, depends_on: [a]}\n',
  'services:\n  a: {command: x, main: true}\n  b: {command: x, main: true}\n',
  'services:\n  a: {command: x, depends_on: {b: {condition: completed_successfully}}}\n  b: {command: x}\n',
  '%YAML 1.1\n---\nservices: {web: {command: x, restart: no}}\n',
  '%YAML 9.9\n---\nservices: {web: {command: x}}\n',
  '%TAG ! tag:example.com,2000:\n---\nservices: {web: {command: !x y}}\n',
  'services: {web: {command: x}}\n---\nservices: {db: {command: y}}\n',
];

export const NASTY_JSON = [
  '', '{', '}', '[]', 'null', '0', '"services"', '{"services": null}', '{"services": {"web": {"command": "x"}}', '\uFEFF{}',
  '{"services": {"web": {"command": "x"}}, "services": {}}',
  '{"__proto__": {"services": {"web": {"command": "x"}}}}',
  '{"services": {"__proto__": {"command": "x"}}}',
  '{"services": {"web": {"command": "x", "env": {"__proto__": "x"}}}}',
  `{"services": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
  `{"services": {"web": {"command": "${'a'.repeat(2_000_000)}"}}}`,
  '{"services": {"web": {"command": "x", "stop_timeout": 1e400}}}',
  '{"services": {"web": {"command": "x", "max_restarts": -0}}}',
  '{"services": {"web": {"command": "\\ud800"}}}',
  '{"services": {"web": {"command": ["x"], "user": 4294967296}}}',
];

export interface ConfigCase {
  ext: '.yaml' | '.yml' | '.json' | '';
  text: string;
}

// Text-level mutations: cut, insert syntax, duplicate, truncate.
const INSERTS = [':', ': ', '-', '- ', '[', ']', '{', '}', ',', '&a ', '*a', '!!binary ', '<<: *a', '\t', '\n', '  ', '"', "'", '#', '|', '>', '? ', '%', '@', '`', '\u0000', '\uFEFF', '\u2028', 'ü'];

function mutate(text: string, edits: Array<{ at: number; cut: number; insert: string }>): string {
  let t = text;
  for (const e of edits) {
    const at = Math.floor(e.at * (t.length + 1));
    t = t.slice(0, at) + e.insert + t.slice(at + e.cut);
  }
  return t;
}

export function configCaseArb(withControl = true): fc.Arbitrary<ConfigCase> {
  const ext = fc.constantFrom<ConfigCase['ext']>('.yaml', '.yml', '.json', '');
  const serialized = fc.tuple(CONFIG_DATA, ext).map(([data, e]) => ({ ext: e, text: serialize(data, e) }));
  const edits = fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), cut: fc.nat({ max: 6 }), insert: fc.oneof(fc.constantFrom(...INSERTS), fc.string({ maxLength: 3 })) }), { minLength: 1, maxLength: 4 });
  const mutated = fc.tuple(serialized, edits).map(([c, e]) => ({ ext: c.ext, text: mutate(c.text, e) }));
  const nasty = fc.oneof(
    fc.constantFrom(...NASTY_YAML).map((text) => ({ ext: '.yaml' as const, text })),
    fc.constantFrom(...NASTY_JSON).map((text) => ({ ext: '.json' as const, text })),
  );
  const raw = fc.tuple(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), ext).map(([text, e]) => ({ ext: e, text }));
  const all = fc.oneof({ weight: 5, arbitrary: serialized }, { weight: 4, arbitrary: mutated }, { weight: 2, arbitrary: nasty }, { weight: 1, arbitrary: raw });
  return withControl ? all : all.filter((c) => noControl(c.text.replace(/[\n\t]/g, ' ')));
}

export function serialize(data: unknown, ext: string): string {
  if (ext === '.json') return JSON.stringify(data, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) ?? 'null';
  return stringify(data, { aliasDuplicateObjects: false, lineWidth: 0 });
}

// Mostly well-formed single-command lines: real options with good or bad
// values, sometimes a stray token, then a command (replaced by a safe one
// before anything runs).
const OPTION_VALUES: Array<[string, string[], string[]]> = [
  ['-v', [], []], ['-vv', [], []], ['-g', [], []], ['-c', [], []], ['-w', [], []], ['-s', [], []], ['--setsid', [], []], ['--no-tree-stop', [], []], ['--verbose', [], []],
  ['-p', ['TERM', 'KILL', 'USR1', 'RTMIN+1'], ['0', '99']], ['-e', ['0', '1', '3', '126', '127', '255'], ['256', 'x']],
  ['-r', ['15:3', 'TERM:0', 'USR1:USR2'], ['1:99', '15']], ['--rewrite', ['2:15', 'INT:TERM'], [':']],
  ['--grace', ['0', '100ms', '1s', '2m'], ['25h', 'x', '']], ['--socket', ['ctl.sock'], ['sub/ctl.sock', '']],
  ['--health-port', [], ['0', '65536', 'x']], ['--health-host', ['127.0.0.1', '::1'], []], ['--expect-exit', ['3', '1'], []], ['--pdeath-signal', ['HUP'], ['SIGNOPE']],
];

export function structuredArgvArb(): fc.Arbitrary<string[]> {
  const option: fc.Arbitrary<string[]> = fc.constantFrom(...OPTION_VALUES).chain(([flag, good, bad]): fc.Arbitrary<string[]> => {
    if (good.length === 0 && bad.length === 0) return fc.constant([flag]);
    const value = good.length === 0 ? fc.constantFrom(...bad) : bad.length === 0 ? fc.constantFrom(...good) : fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
    return fc.tuple(value, fc.boolean()).map(([v, joined]): string[] => (joined && flag.startsWith('--') ? [`${flag}=${v}`] : joined ? [`${flag}${v}`] : [flag, v]));
  });
  const part: fc.Arbitrary<string[]> = fc.oneof({ weight: 12, arbitrary: option }, { weight: 1, arbitrary: tokenArb(false).map((t) => [t]) });
  return fc.tuple(fc.array(part, { maxLength: 4 }), fc.boolean()).map(([parts, dashdash]): string[] => [...parts.flat(), ...(dashdash ? ['--'] : []), 'placeholder']);
}
