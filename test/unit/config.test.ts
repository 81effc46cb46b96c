import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfigText, validateConfig } from '../../src/config/parse';
import type { Config, ServiceConfig } from '../../src/config/types';

function parse(text: string, file = 'pidone.yaml'): Config {
  return parseConfigText(text, file, '/srv');
}

function service(extra: string): ServiceConfig {
  return parse(`services: {web: {command: x, ${extra}}}`).services[0]!;
}

test('defaults', () => {
  const c = parse('services:\n  web:\n    command: ["node", "server.js"]\n');
  assert.deepEqual(c, {
    file: '/srv/pidone.yaml',
    stopGraceMs: 8000,
    logFormat: 'text',
    logTimestamps: false,
    services: [{
      name: 'web',
      command: ['node', 'server.js'],
      env: {},
      envFile: [],
      cwd: null,
      user: null,
      group: null,
      stopSignal: 15,
      stopTimeoutMs: 5000,
      reloadSignal: null,
      forwardSignals: [],
      restart: 'no',
      backoff: { initialMs: 1000, maxMs: 30000, factor: 2, resetAfterMs: 60000 },
      maxRestarts: null,
      restartWindowMs: 60000,
      onGiveUp: 'ignore',
      dependsOn: [],
      oneshot: false,
      ready: null,
      health: null,
      main: false,
      required: true,
    }],
  });
});

test('top-level settings', () => {
  const c = parse('stop_grace: 25s\nlog_format: json\nlog_timestamps: true\nservices: {web: {command: x}}\n');
  assert.deepEqual([c.stopGraceMs, c.logFormat, c.logTimestamps], [25000, 'json', true]);
  assert.equal(parse('stop_grace: 3\nservices: {web: {command: x}}').stopGraceMs, 3000);
});

test('service fields are normalised', () => {
  const rows: Array<[string, Partial<ServiceConfig>]> = [
    ['oneshot: false', { command: ['/bin/sh', '-c', 'x'] }],
    ['env: {PORT: 8080, DEBUG: true, NAME: web, EMPTY: ""}', { env: { PORT: '8080', DEBUG: 'true', NAME: 'web', EMPTY: '' } }],
    ['env_file: .env', { envFile: ['/srv/.env'] }],
    ['env_file: [.env, ../shared.env, /etc/app.env]', { envFile: ['/srv/.env', '/shared.env', '/etc/app.env'] }],
    ['cwd: /app, user: 1000, group: app', { cwd: '/app', user: '1000', group: 'app' }],
    ['user: app, group: 0', { user: 'app', group: '0' }],
    ['stop_signal: TERM, reload_signal: SIGHUP', { stopSignal: 15, reloadSignal: 1 }],
    ['stop_signal: 2, reload_signal: usr2', { stopSignal: 2, reloadSignal: 12 }],
    ['stop_signal: SIGRTMIN+1', { stopSignal: 35 }],
    ['stop_timeout: 500ms', { stopTimeoutMs: 500 }],
    ['stop_timeout: 10', { stopTimeoutMs: 10000 }],
    ['stop_timeout: 1.5', { stopTimeoutMs: 1500 }],
    ['stop_timeout: 0', { stopTimeoutMs: 0 }],
    ['forward_signals: [SIGUSR1, HUP, 28]', { forwardSignals: [10, 1, 28] }],
    ['restart: no', { restart: 'no' }],
    ['restart: false', { restart: 'no' }],
    ['restart: on-failure', { restart: 'on-failure' }],
    ['restart: always', { restart: 'always' }],
    ['backoff: {initial: 500ms, factor: 1.5}', { backoff: { initialMs: 500, maxMs: 30000, factor: 1.5, resetAfterMs: 60000 } }],
    ['backoff: {initial: 2s, max: 1m, factor: 3, reset_after: 2m}', { backoff: { initialMs: 2000, maxMs: 60000, factor: 3, resetAfterMs: 120000 } }],
    ['max_restarts: 0, restart_window: 2m, on_give_up: stop-container', { maxRestarts: 0, restartWindowMs: 120000, onGiveUp: 'stop-container' }],
    ['oneshot: true, restart: on-failure', { oneshot: true, restart: 'on-failure' }],
    ['main: true, oneshot: true', { main: true, oneshot: true }],
    ['required: false', { required: false }],
  ];
  for (const [extra, want] of rows) {
    const s = service(extra);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(s[k as keyof ServiceConfig], v, `${extra}: ${k}`);
  }
});

test('command forms', () => {
  assert.deepEqual(service('').command, ['/bin/sh', '-c', 'x']);
  assert.deepEqual(parse('services: {web: {command: "exec node server.js --port=$PORT"}}').services[0]!.command,
    ['/bin/sh', '-c', 'exec node server.js --port=$PORT']);
  assert.deepEqual(parse('services: {web: {command: [printf, ""]}}').services[0]!.command, ['printf', '']);
});

test('forwarded signals default to USR1, USR2, WINCH for the main service only', () => {
  const c = parse('services: {a: {command: x}, b: {command: x, main: true}, c: {command: x, forward_signals: [HUP]}}');
  assert.deepEqual(c.services.map((s) => s.forwardSignals), [[], [10, 12, 28], [1]]);
  assert.deepEqual(service('main: true, forward_signals: []').forwardSignals, []);
});

test('readiness probes', () => {
  const rows: Array<[string, unknown]> = [
    ['tcp: 8080', { kind: 'tcp', host: '127.0.0.1', port: 8080 }],
    ['tcp: "8080"', { kind: 'tcp', host: '127.0.0.1', port: 8080 }],
    ['tcp: "db:5432"', { kind: 'tcp', host: 'db', port: 5432 }],
    ['tcp: ":5432"', { kind: 'tcp', host: '127.0.0.1', port: 5432 }],
    ['tcp: "[::1]:9000"', { kind: 'tcp', host: '::1', port: 9000 }],
    ['http: "http://127.0.0.1:8080/health"', { kind: 'http', url: 'http://127.0.0.1:8080/health', expectStatus: [200, 399] }],
    ['http: {url: "https://x/h", status: 204}', { kind: 'http', url: 'https://x/h', expectStatus: [204, 204] }],
    ['http: {url: "http://x/h", status: "200-299"}', { kind: 'http', url: 'http://x/h', expectStatus: [200, 299] }],
    ['http: {url: "http://x/h"}', { kind: 'http', url: 'http://x/h', expectStatus: [200, 399] }],
    ['exec: [check, --x]', { kind: 'exec', command: ['check', '--x'] }],
    ['exec: "check --x"', { kind: 'exec', command: ['/bin/sh', '-c', 'check --x'] }],
    ['file: /tmp/ready', { kind: 'file', path: '/tmp/ready' }],
    ['ipc: true', { kind: 'ipc' }],
    ['notify_fd: 3', { kind: 'notify-fd', fd: 3 }],
    ['notify_fd: 255', { kind: 'notify-fd', fd: 255 }],
    ['sd_notify: true', { kind: 'sd-notify' }],
  ];
  for (const [probe, want] of rows) {
    const ready = service(`ready: {${probe}}`).ready;
    assert.deepEqual(ready, { probe: want, timeoutMs: 60000, intervalMs: 250 }, probe);
  }
  assert.deepEqual(service('ready: {tcp: 80, timeout: 30s, interval: 1s}').ready,
    { probe: { kind: 'tcp', host: '127.0.0.1', port: 80 }, timeoutMs: 30000, intervalMs: 1000 });
});

test('dependencies', () => {
  const deps = (spec: string): ServiceConfig['dependsOn'] => parse(
    `services: {db: {command: x, oneshot: true}, cache: {command: x}, web: {command: x, depends_on: ${spec}}}`,
  ).services[2]!.dependsOn;
  assert.deepEqual(deps('[db, cache]'), [{ service: 'db', condition: 'started' }, { service: 'cache', condition: 'started' }]);
  assert.deepEqual(deps('[]'), []);
  assert.deepEqual(deps('{db: {condition: completed_successfully}, cache: {condition: ready}}'),
    [{ service: 'db', condition: 'completed_successfully' }, { service: 'cache', condition: 'ready' }]);
  assert.deepEqual(deps('{cache: {}, db: null}'), [{ service: 'cache', condition: 'started' }, { service: 'db', condition: 'started' }]);
  const chain = parse('services: {a: {command: x, depends_on: [b, c]}, b: {command: x, depends_on: [c]}, c: {command: x}}');
  assert.deepEqual(chain.services.map((s) => s.name), ['a', 'b', 'c']);
});

test('services keep file order, names included', () => {
  const c = parse('services:\n  b: {command: x}\n  2: {command: x}\n  a.b-c_d: {command: x}\n  A1: {command: x}\n');
  assert.deepEqual(c.services.map((s) => s.name), ['b', '2', 'a.b-c_d', 'A1']);
});

test('anchors, merge keys and x- keys', () => {
  const c = parse([
    'x-base: &base',
    '  restart: on-failure',
    '  stop_timeout: 2s',
    'services:',
    '  a: {<<: *base, command: x}',
    '  b:',
    '    <<: *base',
    '    command: y',
    '    restart: always',
    '',
  ].join('\n'));
  assert.deepEqual(c.services.map((s) => [s.restart, s.stopTimeoutMs]), [['on-failure', 2000], ['always', 2000]]);
});

test('JSON and plain data give the same Config as YAML', () => {
  const yaml = parse('services: {web: {command: [a, b], restart: no, ready: {tcp: "h:1"}}}');
  const json = parse('{"services": {"web": {"command": ["a", "b"], "restart": false, "ready": {"tcp": "h:1"}}}}', 'pidone.json');
  assert.deepEqual(json, { ...yaml, file: '/srv/pidone.json' });
  const data = validateConfig({ services: { web: { command: ['a', 'b'], restart: 'no', ready: { tcp: 'h:1' } } } }, 'pidone.yaml', { cwd: '/srv' });
  assert.deepEqual(data, yaml);
});

test('loadConfig picks the parser by extension', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pidone-config-'));
  const rows: Array<[string, string]> = [
    ['a.yaml', 'services: {web: {command: x}}'],
    ['a.yml', 'services: {web: {command: x}}'],
    ['a.json', '\uFEFF{"services": {"web": {"command": "x"}}}'],
    ['a.conf', 'services:\n  web:\n    command: x\n'],
    ['noext', '{"services": {"web": {"command": "x"}}}'],
  ];
  for (const [name, text] of rows) {
    const path = join(dir, name);
    writeFileSync(path, text);
    const c = loadConfig(path, {});
    assert.equal(c.file, path, name);
    assert.deepEqual(c.services[0]!.command, ['/bin/sh', '-c', 'x'], name);
  }
});

test('health: one polled probe with interval, timeout and retries', () => {
  const h = service('health: {http: "http://127.0.0.1:1/h", interval: 2s, retries: 5}').health;
  assert.deepEqual(h, { probe: { kind: 'http', url: 'http://127.0.0.1:1/h', expectStatus: [200, 399] }, intervalMs: 2000, timeoutMs: 5000, retries: 5 });
  assert.throws(() => service('health: {ipc: true}'), /services\.web\.health\.ipc: unknown key/);
  assert.throws(() => service('health: {interval: 1s}'), /services\.web\.health: no probe/);
});
