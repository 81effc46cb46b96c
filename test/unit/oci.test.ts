// pidone oci: the pure parts. JSON in and out, validation, wrap/unwrap, the diff, argument parsing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args';
import { diffLines } from '../../src/oci/diff';
import { cloneJson, detectIndent, parseJson, RawNumber, stringifyJson, type JsonObject, type JsonValue } from '../../src/oci/json';
import { parseOciArgs } from '../../src/oci/oci';
import { validateConfig } from '../../src/oci/validate';
import { ANNOTATION, checkPidoneFlags, unwrapConfig, wrapConfig, type ParsedMode, type WrapOptions } from '../../src/oci/wrap';

function parsed(text: string): JsonValue {
  const r = parseJson(text);
  assert.equal(r.kind, 'ok', text);
  return (r as { value: JsonValue }).value;
}

describe('parseJson / stringifyJson', () => {
  test('reads what JSON.parse reads, and writes what JSON.stringify writes', () => {
    const texts = [
      '{}', '[]', 'null', 'true', '0', '-1.5e3', '"a\\u00e9\\n\\"b"', '{"a":[1,{"b":null}],"c":"\\ud83d\\ude00"}',
      ' \n\t{ "k" : [ ] , "o" : { } }\n', '{"__proto__": 1, "x": {"constructor": 2}}', '[1.0, 2.50, 1e-7, 123456789012345]',
    ];
    for (const text of texts) {
      const value = parsed(text);
      for (const indent of ['  ', '\t', '    ', '']) {
        assert.equal(stringifyJson(value, indent), JSON.stringify(JSON.parse(text), null, indent), `${text} indent ${JSON.stringify(indent)}`);
      }
    }
  });

  test('a key named __proto__ is an ordinary key', () => {
    const v = parsed('{"__proto__": {"polluted": true}}') as JsonObject;
    assert.deepEqual(Object.keys(v), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('integers a double cannot hold keep their digits', () => {
    const text = '{"limit": 9223372036854775807, "neg": -18446744073709551615, "ok": 9007199254740991, "f": 1.5}';
    const v = parsed(text) as JsonObject;
    assert.ok(v.limit instanceof RawNumber);
    assert.ok(v.neg instanceof RawNumber);
    assert.equal(v.ok, 9007199254740991);
    assert.equal(stringifyJson(v, ''), text.replace(/: /g, ':').replace(/, /g, ','));
    assert.match(stringifyJson(cloneJson(v), '  '), /"limit": 9223372036854775807,/);
  });

  // [text, line, column, message fragment]
  const errors: Array<[string, number, number, string]> = [
    ['', 1, 1, 'unexpected end of file'],
    ['{\n  "a": 1,\n}', 3, 1, 'a comma before "}" is not allowed'],
    ['[1, 2,]', 1, 7, 'a comma before "]" is not allowed'],
    ['{"a" 1}', 1, 6, '":" was expected'],
    ['{"a": 1 "b": 2}', 1, 9, '"," or "}" was expected'],
    ["{'a': 1}", 1, 2, 'a "quoted" property name was expected'],
    ['{"a": tru}', 1, 7, 'unexpected "tru"'],
    ['{"a": "x\ny"}', 1, 9, 'control character'],
    ['{"a": "\\x"}', 1, 8, 'bad escape'],
    ['{"a": "abc', 1, 7, 'unterminated string'],
    ['{"a": 01}', 1, 8, 'bad number'],
    ['{"a": 1}\n{"b": 2}', 2, 1, 'after the end of the JSON value'],
    ['{"a": NaN}', 1, 7, 'unexpected "NaN"'],
    ['// comment\n{}', 1, 1, 'unexpected "/"'],
  ];
  for (const [text, line, column, fragment] of errors) {
    test(`error at ${line}:${column} for ${JSON.stringify(text)}`, () => {
      const r = parseJson(text);
      assert.equal(r.kind, 'error');
      if (r.kind !== 'error') return;
      assert.deepEqual([r.line, r.column], [line, column], r.message);
      assert.ok(r.message.includes(fragment), r.message);
      assert.throws(() => JSON.parse(text)); // JSON.parse agrees it is not JSON
    });
  }

  test('detectIndent', () => {
    assert.equal(detectIndent('{\n\t"a": 1\n}'), '\t');
    assert.equal(detectIndent('{\n    "a": 1\n}'), '    ');
    assert.equal(detectIndent('  {\n  "a": 1\n}'), '  ');
    assert.equal(detectIndent('{"a": 1}\n'), '');
    assert.equal(detectIndent('{\n"a": 1\n}'), '  ');
  });
});

// ---- validateConfig ----

const good = (): JsonObject => ({
  ociVersion: '1.0.2-dev',
  process: { terminal: true, user: { uid: 0, gid: 0 }, args: ['sh', '-c', 'echo hi'], env: ['PATH=/bin'], cwd: '/' },
  root: { path: 'rootfs', readonly: true },
  hostname: 'x',
  mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
  linux: { namespaces: [{ type: 'pid' }], resources: { memory: { limit: new RawNumber('9223372036854775807') } } },
});

describe('validateConfig', () => {
  const exists = (p: string): boolean => p === 'rootfs';
  test('accepts 1.0.x, 1.1.x and 1.2.x', () => {
    for (const v of ['1.0.0', '1.0.2-dev', '1.1.0', '1.2.0', '1.2.1', '1.1.0-rc.1']) {
      assert.equal(validateConfig({ ...good(), ociVersion: v }, exists).kind, 'ok', v);
    }
  });
  // [change, path, message fragment]
  const rows: Array<[(c: JsonObject) => JsonValue, string, string]> = [
    [() => [1], '', 'must hold a JSON object'],
    [(c) => { delete c.ociVersion; return c; }, 'ociVersion', 'missing'],
    [(c) => ({ ...c, ociVersion: 1 }), 'ociVersion', 'must be a string'],
    [(c) => ({ ...c, ociVersion: '9.0' }), '', 'unknown ociVersion "9.0"; pidone knows 1.0-1.2'],
    [(c) => ({ ...c, ociVersion: '1.3.0' }), '', 'unknown ociVersion "1.3.0"'],
    [(c) => ({ ...c, ociVersion: '1.0' }), '', 'unknown ociVersion "1.0"'],
    [(c) => { delete c.process; return c; }, 'process', 'missing'],
    [(c) => ({ ...c, process: [] }), 'process', 'must be an object'],
    [(c) => ({ ...c, process: { cwd: '/' } }), 'process.args', 'missing'],
    [(c) => ({ ...c, process: { args: [] } }), 'process.args', 'non-empty array of strings, not an empty array'],
    [(c) => ({ ...c, process: { args: 'sh' } }), 'process.args', 'not the string "sh"'],
    [(c) => ({ ...c, process: { args: ['sh', 1] } }), 'process.args[1]', 'must be a string'],
    [(c) => { delete c.root; return c; }, 'root', 'missing'],
    [(c) => ({ ...c, root: { path: 7 } }), 'root.path', 'must be a path'],
    [(c) => ({ ...c, root: { path: 'nope' } }), 'root.path', '"nope" does not exist'],
    [(c) => ({ ...c, mounts: {} }), 'mounts', 'must be an array'],
    [(c) => ({ ...c, mounts: [{ type: 'tmpfs' }] }), 'mounts[0]', 'destination'],
    [(c) => ({ ...c, annotations: [] }), 'annotations', 'must be an object'],
    [(c) => ({ ...c, annotations: { a: 1 } }), 'annotations.a', 'must be a string'],
  ];
  for (const [change, path, fragment] of rows) {
    test(`refuses: ${path || '(file)'} ${fragment}`, () => {
      const r = validateConfig(change(good()), exists);
      assert.equal(r.kind, 'invalid');
      if (r.kind !== 'invalid') return;
      assert.equal(r.problem.path, path);
      assert.ok(r.problem.message.includes(fragment), r.problem.message);
    });
  }
});

// ---- wrapConfig / unwrapConfig ----

const OPTS: WrapOptions = {
  binds: [
    { source: '/usr/bin/node', destination: '/.pidone/node' },
    { source: '/opt/pidone/dist', destination: '/.pidone/pkg/dist' },
    { source: '/opt/pidone/node_modules/koffi', destination: '/.pidone/pkg/node_modules/koffi' },
  ],
  pidoneFlags: [],
  up: null,
};

const variants: Array<[string, () => JsonObject]> = [
  ['a runc spec', good],
  ['no mounts key', () => { const c = good(); delete c.mounts; return c; }],
  ['empty mounts', () => ({ ...good(), mounts: [] })],
  ['other annotations', () => ({ ...good(), annotations: { 'org.opencontainers.image.ref.name': 'x' } })],
  ['empty annotations', () => ({ ...good(), annotations: {} })],
  ['annotations before process', () => { const { ociVersion, ...rest } = good(); return { ociVersion, annotations: { a: 'b' }, ...rest }; }],
];
const optionSets: Array<[string, WrapOptions]> = [
  ['defaults', OPTS],
  ['--grace 5s -v', { ...OPTS, pidoneFlags: ['--grace', '5s', '-v'] }],
  ['--up', { ...OPTS, up: '/etc/pidone.yaml' }],
  ['--up with flags', { ...OPTS, up: 'pidone.yaml', pidoneFlags: ['--log-format', 'json'] }],
];

function wrapped(c: JsonObject, o: WrapOptions): JsonObject {
  const r = wrapConfig(c, o);
  assert.ok(r.kind === 'wrapped' || r.kind === 'rewrapped', JSON.stringify(r));
  return r.config;
}

function unwrapped(w: JsonObject): JsonObject {
  const r = unwrapConfig(w);
  assert.equal(r.kind, 'unwrapped', JSON.stringify(r));
  return (r as { config: JsonObject }).config;
}

describe('wrapConfig', () => {
  test('puts pidone in front of process.args and keeps env, cwd and terminal', () => {
    const w = wrapped(good(), { ...OPTS, pidoneFlags: ['--grace', '5s'] });
    const p = w.process as JsonObject;
    assert.deepEqual(p.args, ['/.pidone/node', '/.pidone/pkg/dist/pidone.js', '--grace', '5s', '--', 'sh', '-c', 'echo hi']);
    assert.deepEqual([p.env, p.cwd, p.terminal, p.user], [['PATH=/bin'], '/', true, { uid: 0, gid: 0 }]);
    const mounts = w.mounts as JsonObject[];
    assert.deepEqual(mounts.map((m) => m.destination), ['/proc', '/.pidone', '/.pidone/node', '/.pidone/pkg/dist', '/.pidone/pkg/node_modules/koffi']);
    assert.deepEqual(mounts[1], { destination: '/.pidone', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', 'size=64k'] });
    assert.deepEqual(mounts[2], { destination: '/.pidone/node', type: 'bind', source: '/usr/bin/node', options: ['rbind', 'ro', 'nosuid', 'nodev'] });
    const record = JSON.parse((w.annotations as JsonObject)[ANNOTATION] as string);
    assert.deepEqual(record.args, ['sh', '-c', 'echo hi']);
    assert.deepEqual(record.mounts, ['/.pidone', '/.pidone/node', '/.pidone/pkg/dist', '/.pidone/pkg/node_modules/koffi']);
    assert.deepEqual(w.linux, good().linux); // untouched, the big number included
  });

  test('--up runs pidone up -f FILE instead of process.args', () => {
    const w = wrapped(good(), { ...OPTS, up: '/etc/pidone.yaml', pidoneFlags: ['--log-format', 'json'] });
    assert.deepEqual((w.process as JsonObject).args, ['/.pidone/node', '/.pidone/pkg/dist/pidone.js', 'up', '-f', '/etc/pidone.yaml', '--log-format', 'json']);
  });

  test('does not change the config it is given', () => {
    const c = good();
    const before = stringifyJson(c, '');
    wrapped(c, OPTS);
    assert.equal(stringifyJson(c, ''), before);
  });

  for (const [name, make] of variants) {
    for (const [optName, o] of optionSets) {
      test(`${name}, ${optName}: unwrap(wrap(x)) is x, and wrap(wrap(x)) is wrap(x)`, () => {
        const x = make();
        const w = wrapped(x, o);
        const u = unwrapConfig(w);
        assert.equal(u.kind, 'unwrapped');
        assert.deepEqual(u.config, x);
        assert.equal(stringifyJson(u.config, '\t'), stringifyJson(x, '\t')); // key order too: the same file
        const again = wrapConfig(w, o);
        assert.equal(again.kind, 'unchanged');
        assert.equal(again.kind === 'unchanged' && again.config, w);
      });
    }
  }

  test('wrapping again with other options rewraps, and unwrap still gives the original', () => {
    const x = good();
    const w1 = wrapped(x, OPTS);
    const r = wrapConfig(w1, { ...OPTS, pidoneFlags: ['--grace', '3s'] });
    assert.equal(r.kind, 'rewrapped');
    if (r.kind !== 'rewrapped') return;
    assert.deepEqual((r.config.process as JsonObject).args, ['/.pidone/node', '/.pidone/pkg/dist/pidone.js', '--grace', '3s', '--', 'sh', '-c', 'echo hi']);
    assert.equal((r.config.mounts as JsonObject[]).filter((m) => m.destination === '/.pidone').length, 1);
    assert.deepEqual(unwrapped(r.config), x);
    const toUp = wrapConfig(r.config, { ...OPTS, up: '/x.yaml' });
    assert.equal(toUp.kind, 'rewrapped');
    if (toUp.kind === 'rewrapped') assert.deepEqual(unwrapped(toUp.config), x);
  });

  test('refuses a config that already mounts something under /.pidone', () => {
    const c = { ...good(), mounts: [{ destination: '/.pidone/node', type: 'bind', source: '/x' }] };
    const r = wrapConfig(c, OPTS);
    assert.equal(r.kind, 'error');
    assert.match(r.kind === 'error' ? r.message : '', /already mounted at \/\.pidone\/node/);
  });
});

describe('unwrapConfig', () => {
  test('a config pidone did not wrap is left alone', () => {
    const c = good();
    assert.deepEqual(unwrapConfig(c), { kind: 'not-wrapped', config: c });
  });

  test('keeps a command edited after wrap', () => {
    const w = wrapped(good(), OPTS);
    const p = w.process as JsonObject;
    p.args = [...(p.args as string[]).slice(0, 3), 'node', 'server.js'];
    assert.deepEqual((unwrapped(w).process as JsonObject).args, ['node', 'server.js']);
  });

  test('keeps a mount added after wrap', () => {
    const w = wrapped(good(), OPTS);
    (w.mounts as JsonObject[]).push({ destination: '/data', type: 'bind', source: '/srv' });
    assert.deepEqual((unwrapped(w).mounts as JsonObject[]).map((m) => m.destination), ['/proc', '/data']);
  });

  // [what was done to the wrapped config, message fragment]
  const rows: Array<[string, (w: JsonObject) => void, string]> = [
    ['pidone taken out of args by hand', (w) => { (w.process as JsonObject).args = ['sh']; }, 'no longer starts with'],
    ['nothing after "--"', (w) => { (w.process as JsonObject).args = ((w.process as JsonObject).args as string[]).slice(0, 3); }, 'no command after'],
    ['annotation not JSON', (w) => { (w.annotations as JsonObject)[ANNOTATION] = 'yes'; }, 'is not what pidone oci wrap writes'],
    ['annotation of another version', (w) => { (w.annotations as JsonObject)[ANNOTATION] = '{"v":2}'; }, 'is not what pidone oci wrap writes'],
  ];
  for (const [name, change, fragment] of rows) {
    test(`refuses: ${name}`, () => {
      const w = wrapped(good(), OPTS);
      change(w);
      const r = unwrapConfig(w);
      assert.equal(r.kind, 'error');
      assert.ok(r.kind === 'error' && r.message.includes(fragment), JSON.stringify(r));
    });
  }
});

// ---- pidone's own flags, checked with the real parser ----

describe('checkPidoneFlags', () => {
  const parse = (args: string[]): ParsedMode => {
    const m = parseArgs(args, {});
    if (m.kind === 'usage-error') return m;
    if (m.kind === 'run') return { kind: 'run', commandIndex: m.options.commandIndex };
    return { kind: m.kind };
  };
  // [flags, up, error fragment or null]
  const rows: Array<[string[], boolean, string | null]> = [
    [[], false, null],
    [['--grace', '5s', '-v', '-g'], false, null],
    [['--grace=5s', '--no-tree-stop', '-e', '143'], false, null],
    [['-x'], false, "unknown option '-x'"],
    [['--grace', 'soon'], false, '--grace'],
    [['--grace', '5s', 'node'], false, '"node" is not a pidone option'],
    [['-h'], false, 'asks pidone for help'],
    [['--'], false, 'second "--"'],
    [['--log-format', 'json', '--timestamps'], true, null],
    [['-f', 'other.yaml'], true, 'named by --up FILE'],
    [['--grace', '5s'], true, "unknown option '--grace' for pidone up"],
  ];
  for (const [flags, up, fragment] of rows) {
    test(`${up ? 'up ' : ''}${JSON.stringify(flags)} → ${fragment ?? 'ok'}`, () => {
      const err = checkPidoneFlags(flags, up, parse);
      if (fragment === null) assert.equal(err, null);
      else assert.ok(err?.includes(fragment), String(err));
    });
  }
});

describe('parseOciArgs', () => {
  test('options before or after the bundle, pidone options after --', () => {
    const r = parseOciArgs(['wrap', '--dry-run', 'b', '--node', '/n', '--pidone=/p', '--up', '/u.yaml', '--', '--log-format', 'json']);
    assert.deepEqual(r, { kind: 'ok', args: { action: 'wrap', bundle: 'b', node: '/n', pidone: '/p', up: '/u.yaml', dryRun: true, pidoneFlags: ['--log-format', 'json'] } });
    assert.deepEqual(parseOciArgs(['unwrap', 'b', '-n']), { kind: 'ok', args: { action: 'unwrap', bundle: 'b', node: null, pidone: null, up: null, dryRun: true, pidoneFlags: [] } });
    assert.deepEqual(parseOciArgs(['-h']), { kind: 'help' });
    assert.deepEqual(parseOciArgs(['wrap', 'b', '--help']), { kind: 'help' });
  });
  const rows: Array<[string[], string]> = [
    [[], 'needs wrap or unwrap'],
    [['rewrap', 'b'], "unknown command 'rewrap'"],
    [['wrap'], 'needs a bundle folder'],
    [['wrap', 'a', 'b'], 'takes one bundle folder, not 2'],
    [['wrap', 'b', '--frob'], "unknown option '--frob'"],
    [['wrap', 'b', '--node'], '--node needs a path'],
    [['wrap', 'b', '--dry-run=yes'], 'takes no value'],
    [['unwrap', 'b', '--node', '/n'], 'is for oci wrap'],
    [['unwrap', 'b', '--', '-v'], 'takes no pidone options'],
    [['wrap', 'b', '--', 'node', 'app.js'], '"node" is not a pidone option'],
  ];
  for (const [argv, fragment] of rows) {
    test(`usage error: ${argv.join(' ') || '(no arguments)'}`, () => {
      const r = parseOciArgs(argv);
      assert.equal(r.kind, 'usage-error');
      assert.ok(r.kind === 'usage-error' && r.message.includes(fragment), JSON.stringify(r));
    });
  }
});

describe('diffLines', () => {
  test('identical texts: no output', () => {
    assert.equal(diffLines('a\nb\n', 'a\nb\n', ['x', 'y']), '');
  });
  test('hunks with two lines of context, deletions before additions', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'].join('\n') + '\n';
    const after = ['1', '2', 'three', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13'].join('\n') + '\n';
    assert.equal(diffLines(before, after, ['a', 'b']), [
      '--- a', '+++ b',
      '@@ -1,5 +1,5 @@', ' 1', ' 2', '-3', '+three', ' 4', ' 5',
      '@@ -11,2 +11,3 @@', ' 11', ' 12', '+13', '',
    ].join('\n'));
  });
  test('close changes share a hunk', () => {
    const d = diffLines('a\nb\nc\nd\ne\n', 'A\nb\nc\nD\ne\n', ['x', 'y']);
    assert.equal(d.match(/^@@/gm)?.length, 1);
  });
});
