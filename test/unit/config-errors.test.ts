import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfigText, validateConfig } from '../../src/config/parse';

function catchConfigError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e;
  }
  assert.fail('expected a ConfigError');
}

function fromYaml(text: string, file = 'pidone.yaml'): ConfigError {
  return catchConfigError(() => parseConfigText(text, file, '/srv'));
}

const web = (extra: string): string => `services: {web: {command: x, ${extra}}}`;

// [file text, path, message fragment]; one row per kind of error.
const rows: Array<[string, string, string]> = [
  // the file and top level
  ['', '', 'the file is empty; add a services: mapping'],
  ['[1, 2]', '', 'expected a mapping, got a list'],
  ['log_format: text', 'services', 'missing; add services:'],
  ['services: {}', 'services', 'no services; add at least one service'],
  ['services: [web]', 'services', 'expected a mapping, got a list'],
  ['servics: {}', 'servics', 'unknown key; did you mean "services"?'],
  ['stop_grace: soon\nservices: {web: {command: x}}', 'stop_grace', 'expected a duration such as 5s or 500ms, got "soon"'],
  ['log_format: xml\nservices: {web: {command: x}}', 'log_format', 'unknown value "xml"; expected one of text, json'],
  ['log_timestamps: "yes"\nservices: {web: {command: x}}', 'log_timestamps', 'expected true or false, got "yes"'],
  // service names and keys
  ['services: {-web: {command: x}}', 'services["-web"]', 'bad service name "-web"'],
  ['services: {"web app": {command: x}}', 'services["web app"]', 'bad service name'],
  ['services: {web: [x]}', 'services.web', 'expected a mapping, got a list'],
  [web('restrat: no'), 'services.web.restrat', 'unknown key; did you mean "restart"?'],
  [web('stopTimeout: 1s'), 'services.web.stopTimeout', 'did you mean "stop_timeout"?'],
  [web('onGiveUp: ignore'), 'services.web.onGiveUp', 'did you mean "on_give_up"?'],
  [web('colour: red'), 'services.web.colour', 'unknown key; allowed keys are command, env,'],
  // command, env, ids
  ['services: {web: {oneshot: true}}', 'services.web.command', 'missing; add command:'],
  ['services: {web: {command: []}}', 'services.web.command', 'empty command'],
  ['services: {web: {command: "  "}}', 'services.web.command', 'empty string'],
  ['services: {web: {command: [sleep, 5]}}', 'services.web.command[1]', 'expected a string, got 5; quote it: "5"'],
  ['services: {web: {command: ["", x]}}', 'services.web.command[0]', 'empty program name'],
  ['services: {web: {command: {run: x}}}', 'services.web.command', 'expected a list of strings'],
  [web('env: {A: null}'), 'services.web.env.A', 'no value; give it a value'],
  [web('env: {A: [1]}'), 'services.web.env.A', 'expected a string, number or boolean, got a list'],
  [web('env: [A=1]'), 'services.web.env', 'expected a mapping, got a list'],
  [web('env: {"A=B": x}'), 'services.web.env["A=B"]', 'bad variable name'],
  [web('env_file: [.env, 3]'), 'services.web.env_file[1]', 'expected a string, got 3'],
  [web('cwd: ""'), 'services.web.cwd', 'empty string'],
  [web('user: true'), 'services.web.user', 'expected a name or a numeric id, got true'],
  [web('user: 4294967295'), 'services.web.user', '4294967295 is out of range; expected an integer from 0 to 4294967294'],
  [web('user: "4294967296"'), 'services.web.user', '"4294967296" is out of range; expected an id from 0 to 4294967294'],
  [web('group: "99999999999999999999999"'), 'services.web.group', 'is out of range; expected an id from 0 to 4294967294'],
  [web('group: -1'), 'services.web.group', '-1 is out of range'],
  // signals and durations
  [web('stop_timeout: soon'), 'services.web.stop_timeout', 'expected a duration such as 5s or 500ms, got "soon"'],
  [web('stop_timeout: -1'), 'services.web.stop_timeout', 'got -1'],
  [web('stop_timeout: 48h'), 'services.web.stop_timeout', 'the limit is 24h'],
  [web('restart_window: 0s'), 'services.web.restart_window', '"0s" is too short'],
  [web('stop_signal: SIGTREM'), 'services.web.stop_signal', 'unknown signal "SIGTREM"; did you mean "SIGTERM"?'],
  [web('stop_signal: WHATEVER'), 'services.web.stop_signal', 'unknown signal "WHATEVER"; expected a signal such as SIGTERM'],
  [web('reload_signal: 99'), 'services.web.reload_signal', 'signal number 99 is out of range'],
  [web('reload_signal: 1.5'), 'services.web.reload_signal', 'expected a signal such as SIGTERM, TERM or 15, got 1.5'],
  [web('forward_signals: SIGUSR1'), 'services.web.forward_signals', 'expected a list of signals'],
  [web('forward_signals: [SIGUSR1, KILL]'), 'services.web.forward_signals[1]', 'pidone cannot receive KILL'],
  // restart policy
  [web('restart: sometimes'), 'services.web.restart', 'unknown value "sometimes"; expected one of no, on-failure, always'],
  [web('restart: on_failure'), 'services.web.restart', 'did you mean "on-failure"?'],
  [web('restart: true'), 'services.web.restart', 'expected one of no, on-failure, always, got true'],
  [web('backoff: 5s'), 'services.web.backoff', 'expected a mapping, got "5s"'],
  [web('backoff: {intial: 1s}'), 'services.web.backoff.intial', 'did you mean "initial"?'],
  [web('backoff: {factor: 0.5}'), 'services.web.backoff.factor', '0.5 is out of range; expected a number >= 1'],
  [web('backoff: {initial: 0}'), 'services.web.backoff.initial', 'too short'],
  [web('backoff: {initial: 10s, max: 5s}'), 'services.web.backoff.max', 'max (5000ms) is shorter than initial (10000ms)'],
  [web('max_restarts: -1'), 'services.web.max_restarts', '-1 is out of range; expected an integer >= 0'],
  [web('max_restarts: 1.5'), 'services.web.max_restarts', 'expected an integer >= 0, got 1.5'],
  [web('on_give_up: explode'), 'services.web.on_give_up', 'expected one of ignore, stop-container'],
  [web('oneshot: true, restart: always'), 'services.web.restart', 'a oneshot service cannot use restart: always'],
  [web('main: "yes"'), 'services.web.main', 'expected true or false, got "yes"'],
  ['services: {a: {command: x, main: true}, b: {command: y, main: true}}', 'services.b.main', 'a second main service ("a" is main already)'],
  // readiness
  [web('ready: {timeout: 5s}'), 'services.web.ready', 'no probe; add exactly one of tcp, http, exec'],
  [web('ready: {tcp: 80, file: /tmp/r}'), 'services.web.ready', 'more than one probe (tcp, file)'],
  [web('ready: {tpc: 80}'), 'services.web.ready.tpc', 'did you mean "tcp"?'],
  [web('ready: {tcp: 0}'), 'services.web.ready.tcp', '0 is out of range; expected an integer from 1 to 65535'],
  [web('ready: {tcp: "db:70000"}'), 'services.web.ready.tcp', 'port 70000 is out of range'],
  [web('ready: {tcp: localhost}'), 'services.web.ready.tcp', 'expected a port number or "host:port", got "localhost"'],
  [web('ready: {http: "ftp://x/"}'), 'services.web.ready.http', 'expected an http:// or https:// URL'],
  [web('ready: {http: "not a url"}'), 'services.web.ready.http', 'expected an http:// or https:// URL'],
  [web('ready: {http: {status: 200}}'), 'services.web.ready.http.url', 'missing; add url:'],
  [web('ready: {http: {url: "http://x/", status: "300-200"}}'), 'services.web.ready.http.status', 'bad status range "300-200"'],
  [web('ready: {http: {url: "http://x/", status: 700}}'), 'services.web.ready.http.status', '700 is out of range'],
  [web('ready: {exec: []}'), 'services.web.ready.exec', 'empty command'],
  [web('ready: {file: 3}'), 'services.web.ready.file', 'expected a string, got 3'],
  [web('ready: {ipc: false}'), 'services.web.ready.ipc', 'expected true, got false'],
  [web('ready: {notify_fd: 2}'), 'services.web.ready.notify_fd', '2 is out of range; expected an integer from 3 to 255'],
  [web('ready: {notify_fd: 256}'), 'services.web.ready.notify_fd', '256 is out of range'],
  [web('ready: {sd_notify: 1}'), 'services.web.ready.sd_notify', 'expected true, got 1'],
  [web('ready: {tcp: 80, timeout: 0}'), 'services.web.ready.timeout', 'too short'],
  [web('ready: {tcp: 80, interval: later}'), 'services.web.ready.interval', 'expected a duration'],
  // dependencies
  [web('depends_on: db'), 'services.web.depends_on', 'expected a list of service names, or a mapping'],
  [web('depends_on: [3]'), 'services.web.depends_on[0]', 'expected a string, got 3'],
  ['services: {db: {command: x}, api: {command: y, depends_on: [dbb]}}', 'services.api.depends_on[0]', 'service "dbb" does not exist; did you mean "db"?'],
  ['services: {db: {command: x}, api: {command: y, depends_on: [cache]}}', 'services.api.depends_on[0]', 'service "cache" does not exist; services are db, api'],
  ['services: {db: {command: x}, api: {command: y, depends_on: {dbb: {condition: ready}}}}', 'services.api.depends_on.dbb', 'service "dbb" does not exist'],
  [web('depends_on: [web]'), 'services.web.depends_on[0]', 'service "web" depends on itself; remove this entry'],
  ['services: {db: {command: x}, api: {command: y, depends_on: [db, db]}}', 'services.api.depends_on[1]', '"db" is listed twice'],
  ['services: {db: {command: x}, api: {command: y, depends_on: {db: {condition: healthy}}}}', 'services.api.depends_on.db.condition', 'unknown value "healthy"'],
  ['services: {db: {command: x}, api: {command: y, depends_on: {db: {when: ready}}}}', 'services.api.depends_on.db.when', 'unknown key; allowed keys are condition'],
  ['services: {db: {command: x}, api: {command: y, depends_on: {db: {condition: completed_successfully}}}}', 'services.api.depends_on.db', 'needs "db" to be oneshot: true'],
  ['services: {web: {command: x, depends_on: [api]}, api: {command: y, depends_on: [web]}}', 'services', 'dependency cycle web -> api -> web; remove one of these depends_on entries'],
  ['services: {a: {command: x, depends_on: [b]}, b: {command: x, depends_on: [c]}, c: {command: x, depends_on: [b]}}', 'services', 'dependency cycle b -> c -> b'],
];

test('each kind of error names its path and what is wrong, on one line', () => {
  for (const [text, path, fragment] of rows) {
    const e = fromYaml(text);
    assert.equal(e.path, path, `${text}: ${e.message}`);
    assert.ok(e.message.includes(fragment), `${text}\n  got:  ${e.message}\n  want: ${fragment}`);
    assert.ok(!e.message.includes('\n'), e.message);
    assert.ok(e.message.startsWith(path ? 'pidone.yaml:1:' : 'pidone.yaml'), e.message);
    if (path) assert.ok(e.message.includes(`: ${path}: `), e.message);
    assert.equal(e.code, 'E_CONFIG');
    assert.equal(e.exitCode, 2);
    assert.equal(e.file, 'pidone.yaml');
    assert.ok(e.expected.length > 0, text);
  }
});

test('the messages of the design examples, with line and column', () => {
  const text = [
    'services:',            // 1
    '  db:',                // 2
    '    command: x',       // 3
    '  web:',               // 4
    '    command: [a]',     // 5
    '    restrat: no',      // 6
    '',
  ].join('\n');
  assert.equal(fromYaml(text).message, 'pidone.yaml:6:5: services.web.restrat: unknown key; did you mean "restart"?');
  assert.equal(fromYaml(text.replace('restrat: no', 'stop_timeout: soon')).message,
    'pidone.yaml:6:19: services.web.stop_timeout: expected a duration such as 5s or 500ms, got "soon"');
  assert.equal(fromYaml(text.replace('restrat: no', 'depends_on: [dbb]')).message,
    'pidone.yaml:6:18: services.web.depends_on[0]: service "dbb" does not exist; did you mean "db"?');
  const e = fromYaml(text.replace('restrat: no', 'depends_on:\n      - dbb'));
  assert.deepEqual([e.line, e.column], [7, 9]);
});

test('first error wins: structure and types before cross-references before cycles', () => {
  const both = 'services: {a: {command: x, depends_on: [nope]}, b: {command: x, colour: red}}';
  assert.equal(fromYaml(both).path, 'services.b.colour');
  const refAndCycle = 'services: {a: {command: x, depends_on: [b]}, b: {command: x, depends_on: [a, nope]}}';
  assert.equal(fromYaml(refAndCycle).path, 'services.b.depends_on[1]');
  const typeAndMain = 'services: {a: {command: x, main: true}, b: {command: x, main: true, stop_signal: NOPE}}';
  assert.equal(fromYaml(typeAndMain).path, 'services.b.stop_signal');
});

test('syntax errors', () => {
  const rows: Array<[string, string, RegExp]> = [
    ['services:\n  web: {command: [x}\n', 'pidone.yaml', /^pidone\.yaml:\d+:\d+: invalid YAML: \S/],
    ['services:\n  web: {command: x}\n  web: {command: y}\n', 'pidone.yaml', /^pidone\.yaml:3:3: invalid YAML: Map keys must be unique$/],
    ['a: 1\n---\nb: 2\n', 'pidone.yaml', /^pidone\.yaml:\d+:\d+: invalid YAML: /],
    ['{"services": {"web": {"command": "x",, }}}', 'pidone.json', /^pidone\.json(:\d+:\d+)?: invalid JSON: \S/],
    ['{"services": {"web": {"command": "x",\n "b" }}}', 'pidone.json', /^pidone\.json(:\d+:\d+)?: invalid JSON: \S/],
  ];
  for (const [text, file, want] of rows) {
    const e = fromYaml(text, file);
    assert.match(e.message, want);
    assert.ok(!e.message.includes('\n'), e.message);
    assert.equal(e.path, '');
    assert.equal(e.code, 'E_CONFIG');
  }
});

test('JSON files get paths and lines too', () => {
  const e = fromYaml('{\n  "services": {\n    "web": {"command": "x", "restrat": "no"}\n  }\n}\n', 'pidone.json');
  assert.equal(e.message, 'pidone.json:3:29: services.web.restrat: unknown key; did you mean "restart"?');
});

test('validateConfig reports plain data without lines', () => {
  const e = catchConfigError(() => validateConfig({ services: { web: { command: 'x', stop_signal: 'NOPE' } } }, 'inline'));
  assert.equal(e.message, 'inline: services.web.stop_signal: unknown signal "NOPE"; expected a signal such as SIGTERM, TERM or 15');
  assert.equal(e.line, null);
});

test('loadConfig: unreadable files', () => {
  const missing = catchConfigError(() => loadConfig('pidone-does-not-exist.yaml', {}));
  assert.equal(missing.message, 'cannot read config pidone-does-not-exist.yaml: no such file (ENOENT); pass -f PATH');
  assert.equal(missing.exitCode, 2);
  const dir = mkdtempSync(join(tmpdir(), 'pidone-config-'));
  assert.match(catchConfigError(() => loadConfig(dir, {})).message, /^cannot read config .*: is a folder \(EISDIR\)/);
  const bad = join(dir, 'pidone.yml');
  writeFileSync(bad, 'services:\n  web:\n    command: x\n    restart: sometimes\n');
  assert.equal(catchConfigError(() => loadConfig(bad, {})).message,
    `${bad}:4:14: services.web.restart: unknown value "sometimes"; expected one of no, on-failure, always`);
});
