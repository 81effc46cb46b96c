import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCycle, listDependents, orderStart, orderStop, type GraphNode } from '../../src/core/graph';

// "web:api,db" is web depending on api and db.
function graph(spec: string): GraphNode[] {
  if (spec === '') return [];
  return spec.split(' ').map((item) => {
    const [name, deps] = item.split(':');
    return { name: name!, dependsOn: deps ? deps.split(',').map((service) => ({ service })) : [] };
  });
}

test('findCycle', () => {
  const rows: Array<[string, string[] | null]> = [
    ['', null],
    ['a', null],
    ['a:a', ['a', 'a']],
    ['web:api api:web', ['web', 'api', 'web']],
    ['web:api api:db db', null],
    ['x web:api api:db db:web', ['web', 'api', 'db', 'web']],
    ['lb:web web:api api:web', ['web', 'api', 'web']],
    ['a:b,c b:d c:d d', null], // a diamond is not a cycle
    ['a:ghost', null],         // unknown names are validation's business
    ['a:b b:c c:b', ['b', 'c', 'b']],
  ];
  for (const [spec, want] of rows) assert.deepEqual(findCycle(graph(spec)), want, spec);
});

test('orderStart and orderStop', () => {
  const rows: Array<[string, string[][], string[][]]> = [
    ['', [], []],
    ['a', [['a']], [['a']]],
    ['a b c', [['a', 'b', 'c']], [['a', 'b', 'c']]],
    ['web:api api:db db', [['db'], ['api'], ['web']], [['web'], ['api'], ['db']]],
    ['web:db,cache db cache', [['db', 'cache'], ['web']], [['web'], ['db', 'cache']]],
    ['a:b,c b:d c:d d', [['d'], ['b', 'c'], ['a']], [['a'], ['b', 'c'], ['d']]],
    // file order within a wave, whatever the order of dependsOn
    ['web:z,a z a', [['z', 'a'], ['web']], [['web'], ['z', 'a']]],
    // longest path wins: c needs b, which needs a
    ['c:a,b b:a a', [['a'], ['b'], ['c']], [['c'], ['b'], ['a']]],
    // a standalone service starts with the roots and stops with the leaves
    ['web:db db solo', [['db', 'solo'], ['web']], [['web', 'solo'], ['db']]],
    // dependents listed before their dependencies in the file
    ['app:worker worker:queue queue', [['queue'], ['worker'], ['app']], [['app'], ['worker'], ['queue']]],
    // a duplicated dependency counts once
    ['a:b,b b', [['b'], ['a']], [['a'], ['b']]],
  ];
  for (const [spec, start, stop] of rows) {
    assert.deepEqual(orderStart(graph(spec)), start, `start ${spec}`);
    assert.deepEqual(orderStop(graph(spec)), stop, `stop ${spec}`);
  }
});

test('listDependents', () => {
  const g = graph('lb:web web:api,cache api:db worker:db db cache solo');
  const rows: Array<[string, string[]]> = [
    ['db', ['lb', 'web', 'api', 'worker']],
    ['api', ['lb', 'web']],
    ['cache', ['lb', 'web']],
    ['web', ['lb']],
    ['lb', []],
    ['solo', []],
  ];
  for (const [name, want] of rows) assert.deepEqual(listDependents(g, name), want, name);
});

test('orderStart, orderStop and listDependents throw on a broken graph', () => {
  const rows: Array<[string, RegExp]> = [
    ['web:api api:web', /cycle web -> api -> web/],
    ['a:a', /cycle a -> a/],
    ['web:ghost', /"web" depends on unknown service "ghost"/],
    ['a a', /duplicate/],
  ];
  for (const [spec, message] of rows) {
    assert.throws(() => orderStart(graph(spec)), message, spec);
    assert.throws(() => orderStop(graph(spec)), message, spec);
    assert.throws(() => listDependents(graph(spec), 'a'), message, spec);
  }
  assert.throws(() => listDependents(graph('a b'), 'c'), /unknown service "c"/);
});
