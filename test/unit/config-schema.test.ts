import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIGNALS } from '../../src/core/signals';
import {
  BACKOFF_KEYS, HEALTH_KEYS, DEPENDENCY_CONDITIONS, DEPENDENCY_KEYS, GIVE_UP_ACTIONS, HTTP_PROBE_KEYS, LOG_FORMATS, PROBE_KEYS,
  READY_KEYS, RESTART_POLICIES, SERVICE_KEYS, SERVICE_NAME_PATTERN, TOP_KEYS,
} from '../../src/config/keys';
import { loadConfig } from '../../src/config/parse';

// Tests run from build/test/unit/.
const ROOT = join(__dirname, '..', '..', '..');

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  description?: string;
  enum?: unknown[];
  pattern?: string;
  oneOf?: SchemaNode[];
  required?: string[];
  propertyNames?: SchemaNode;
  $defs?: Record<string, SchemaNode>;
  [key: string]: unknown;
}

const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'pidone.schema.json'), 'utf8')) as SchemaNode;
const defs = schema.$defs!;

function keysOf(node: SchemaNode | undefined): string[] {
  return Object.keys(node?.properties ?? {});
}

test('the schema accepts exactly the keys the validator accepts', () => {
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  const rows: Array<[string, SchemaNode | undefined, readonly string[]]> = [
    ['top level', schema, TOP_KEYS],
    ['service', defs.service, SERVICE_KEYS],
    ['backoff', defs.backoff, BACKOFF_KEYS],
    ['ready', defs.ready, READY_KEYS],
    ['http probe', defs.httpProbe, HTTP_PROBE_KEYS],
    ['health', defs.health, HEALTH_KEYS],
    ['dependency', defs.dependency, DEPENDENCY_KEYS],
  ];
  for (const [name, node, keys] of rows) assert.deepEqual(keysOf(node), [...keys], name);
  assert.deepEqual(defs.ready!.oneOf!.map((o) => o.required), PROBE_KEYS.map((k) => [k]));
});

test('the schema enums and patterns match the validator', () => {
  const service = defs.service!.properties!;
  assert.deepEqual(service.restart!.enum, [...RESTART_POLICIES, false]);
  assert.deepEqual(service.on_give_up!.enum, [...GIVE_UP_ACTIONS]);
  assert.deepEqual(defs.dependency!.properties!.condition!.enum, [...DEPENDENCY_CONDITIONS]);
  assert.deepEqual(schema.properties!.log_format!.enum, [...LOG_FORMATS]);
  assert.equal(schema.properties!.services!.propertyNames!.pattern, SERVICE_NAME_PATTERN.source);
  const signal = new RegExp(defs.signal!.oneOf!.find((o) => o.type === 'string')!.pattern!);
  for (const name of Object.keys(SIGNALS)) {
    for (const form of [name, name.slice(3), name.toLowerCase(), name.slice(3).toLowerCase()]) assert.match(form, signal);
  }
  for (const form of ['SIGRTMIN+2', 'RTMAX-1', '15']) assert.match(form, signal);
  assert.doesNotMatch('SIGNOPE', signal);
});

test('every schema object is closed and every property described', () => {
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) { node.forEach((n, i) => walk(n, `${where}[${i}]`)); return; }
    if (node === null || typeof node !== 'object') return;
    const n = node as SchemaNode;
    if (n.properties) {
      assert.equal(n.additionalProperties, false, where);
      for (const [key, prop] of Object.entries(n.properties)) {
        const described = typeof prop.description === 'string' && prop.description.length > 0;
        assert.ok(described, `${where}.${key} has no description`);
      }
    }
    for (const [key, child] of Object.entries(n)) if (key !== 'properties') walk(child, `${where}.${key}`);
    for (const [key, child] of Object.entries(n.properties ?? {})) walk(child, `${where}.${key}`);
  };
  walk(schema, '#');
});

test('examples/pidone.yaml validates', () => {
  const c = loadConfig(join(ROOT, 'examples', 'pidone.yaml'), {});
  assert.deepEqual(c.services.map((s) => s.name), ['migrate', 'web', 'worker']);
  const [migrate, web, worker] = c.services;
  assert.equal(migrate!.oneshot, true);
  assert.equal(web!.main, true);
  assert.equal(web!.ready?.probe.kind, 'http');
  assert.deepEqual(web!.dependsOn, [{ service: 'migrate', condition: 'completed_successfully' }]);
  assert.equal(worker!.restart, 'on-failure');
  assert.deepEqual(worker!.dependsOn, [{ service: 'web', condition: 'ready' }]);
  assert.ok(worker!.backoff.maxMs > worker!.backoff.initialMs);
});
