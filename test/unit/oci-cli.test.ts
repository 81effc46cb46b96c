// pidone oci on real files: the command (runOci, in-process with its output
// captured) and the host side (what gets mounted, can the rootfs run node).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { findMissingInRootfs, findRequiredPackages, planBinds, readElfNeeds, resolveInRoot } from '../../src/oci/host';
import { runOci } from '../../src/oci/oci';

const ROOT = resolve(__dirname, '..', '..', '..'); // build/test/unit -> the package
const work = mkdtempSync(join(tmpdir(), 'pidone-oci-unit-'));
after(() => rmSync(work, { recursive: true, force: true }));

// A runc-style config.json (tab indentation), as `runc spec` writes it.
const RUNC_SPEC = `{
\t"ociVersion": "1.0.2-dev",
\t"process": {
\t\t"terminal": true,
\t\t"args": [
\t\t\t"sh"
\t\t],
\t\t"env": [
\t\t\t"PATH=/bin"
\t\t],
\t\t"cwd": "/"
\t},
\t"root": {
\t\t"path": "rootfs",
\t\t"readonly": true
\t},
\t"mounts": [
\t\t{
\t\t\t"destination": "/proc",
\t\t\t"type": "proc",
\t\t\t"source": "proc"
\t\t}
\t],
\t"linux": {
\t\t"resources": {
\t\t\t"memory": {
\t\t\t\t"limit": 9223372036854775807
\t\t\t}
\t\t}
\t}
}
`;

let bundles = 0;
function makeBundle(text: string, mode = 0o644): string {
  const dir = join(work, `bundle-${++bundles}`);
  mkdirSync(join(dir, 'rootfs'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), text);
  chmodSync(join(dir, 'config.json'), mode);
  return dir;
}

interface Ran { code: number; out: string; err: string[] }
async function oci(...argv: string[]): Promise<Ran> {
  let out = '';
  const err: string[] = [];
  const code = await runOci(argv, { out: (t) => { out += t; }, err: (m) => err.push(m) });
  return { code, out, err };
}
const HOST = ['--node', process.execPath, '--pidone', ROOT];

describe('pidone oci wrap / unwrap on a bundle', () => {
  test('wrap, wrap again, unwrap: the file comes back byte for byte, with its mode', async () => {
    const b = makeBundle(RUNC_SPEC, 0o640);
    const file = join(b, 'config.json');
    const w = await oci('wrap', b, ...HOST, '--', '--grace', '5s');
    assert.equal(w.code, 0, w.err.join('\n'));
    assert.match(w.out, /config\.json: wrapped: pidone in front of \["sh"\] runs as PID 1 \(undo: pidone oci unwrap /);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^\t\t"args": \[\n\t\t\t"\/\.pidone\/node",\n/m, 'tab indentation kept');
    assert.match(text, /"limit": 9223372036854775807\n/, 'big number kept');
    assert.equal(statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(b).sort(), ['config.json', 'rootfs'], 'no temp file left');
    // the empty rootfs cannot run node: wrap says so, and still wraps
    assert.equal(w.err.length, 1);
    assert.match(w.err[0]!, /^warning: the root filesystem .* lacks .*libc\.so\.6.* cannot start there/);

    const again = await oci('wrap', b, ...HOST, '--', '--grace', '5s');
    assert.equal(again.code, 0);
    assert.match(again.out, /already wrapped; nothing changed/);
    assert.equal(readFileSync(file, 'utf8'), text);

    const other = await oci('wrap', b, ...HOST, '--', '--grace', '2s');
    assert.match(other.out, /wrapped again with the new options/);
    assert.match(readFileSync(file, 'utf8'), /"2s"/);

    const u = await oci('unwrap', b);
    assert.equal(u.code, 0, u.err.join('\n'));
    assert.match(u.out, /unwrapped: process.args is \["sh"\] again/);
    assert.equal(readFileSync(file, 'utf8'), RUNC_SPEC);
    assert.equal(statSync(file).mode & 0o777, 0o640);
    const u2 = await oci('unwrap', b);
    assert.equal(u2.code, 0);
    assert.match(u2.out, /not wrapped by pidone; nothing changed/);
  });

  test('the file\'s own layout survives: leading spaces (crun spec), two-space and CRLF files, a BOM, no final newline', async () => {
    const variants = [
      '  ' + RUNC_SPEC,
      JSON.stringify(JSON.parse(RUNC_SPEC.replace('9223372036854775807', '1')), null, 2),
      RUNC_SPEC.replace(/\n/g, '\r\n'),
      '\ufeff' + RUNC_SPEC,
      '{"ociVersion":"1.1.0","process":{"args":["x"]},"root":{"path":"rootfs"}}',
    ];
    for (const text of variants) {
      const b = makeBundle(text);
      assert.equal((await oci('wrap', b, ...HOST)).code, 0);
      const wrapped = readFileSync(join(b, 'config.json'), 'utf8');
      if (text.includes('\r\n')) assert.doesNotMatch(wrapped.replace(/\r\n/g, ''), /\n/, 'CRLF throughout');
      assert.equal((await oci('unwrap', b)).code, 0);
      assert.equal(readFileSync(join(b, 'config.json'), 'utf8'), text, JSON.stringify(text.slice(0, 20)));
    }
  });

  test('--dry-run prints a diff and writes nothing', async () => {
    const b = makeBundle(RUNC_SPEC);
    const r = await oci('wrap', b, '--dry-run', ...HOST);
    assert.equal(r.code, 0);
    assert.equal(readFileSync(join(b, 'config.json'), 'utf8'), RUNC_SPEC);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^--- .*config\.json$/);
    assert.match(lines[1]!, /^\+\+\+ .*config\.json \(wrapped\)$/);
    assert.ok(lines.includes('+\t\t\t"/.pidone/node",'), r.out);
    assert.ok(lines.includes(' \t\t\t"sh"'), 'context lines');
    assert.ok(lines.some((l) => l.startsWith('+\t\t"io.pidone.wrapped": ')));
    assert.ok(!lines.some((l) => l.startsWith('-')  && !l.startsWith('---') && !/^-\t[}\]]$/.test(l) && !/^-\t\t}$/.test(l)), 'only closing brackets are replaced');

    await oci('wrap', b, ...HOST);
    const wrapped = readFileSync(join(b, 'config.json'), 'utf8');
    const u = await oci('unwrap', b, '--dry-run');
    assert.match(u.out, /\(unwrapped\)/);
    assert.ok(u.out.split('\n').includes('-\t\t\t"/.pidone/node",'));
    assert.equal(readFileSync(join(b, 'config.json'), 'utf8'), wrapped);
  });

  test('--up: pidone up -f FILE, with a warning when FILE is not in the rootfs', async () => {
    const b = makeBundle(RUNC_SPEC);
    const r = await oci('wrap', b, ...HOST, '--up', '/etc/pidone.yaml', '--', '--log-format', 'json');
    assert.equal(r.code, 0);
    assert.match(r.out, /wrapped: pidone up -f \/etc\/pidone.yaml runs as PID 1/);
    assert.ok(r.err.some((m) => /--up \/etc\/pidone.yaml: \/etc\/pidone.yaml is not in the root filesystem/.test(m)), r.err.join('\n'));
    const config = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8'));
    assert.deepEqual(config.process.args, ['/.pidone/node', '/.pidone/pkg/dist/pidone.js', 'up', '-f', '/etc/pidone.yaml', '--log-format', 'json']);
  });

  // [config.json text or null for none, exit code, stderr (a regexp)]
  const bad: Array<[string, string | null, number, RegExp]> = [
    ['missing config.json', null, 2, /config\.json: no such file; is .* an OCI bundle\? \(runc spec writes a config\.json\)$/],
    ['a trailing comma', '{\n  "ociVersion": "1.0.2",\n  "process": {"args": ["sh",]}\n}\n', 2,
      /config\.json: invalid JSON at line 3 column 29: unexpected "\]", a value was expected \(a comma before "\]" is not allowed in JSON\); fix the file$/],
    ['an empty file', '', 2, /config\.json: invalid JSON at line 1 column 1: unexpected end of file, a value was expected; fix the file$/],
    ['ociVersion 9.0', '{"ociVersion":"9.0","process":{"args":["x"]},"root":{"path":"rootfs"}}', 2, /config\.json: unknown ociVersion "9\.0"; pidone knows 1\.0-1\.2$/],
    ['no process.args', '{"ociVersion":"1.0.0","process":{},"root":{"path":"rootfs"}}', 2, /config\.json: process\.args: missing; it must be a non-empty array of strings/],
    ['root.path missing', '{"ociVersion":"1.0.0","process":{"args":["x"]},"root":{"path":"gone"}}', 2, /config\.json: root\.path: "gone" does not exist/],
  ];
  for (const [name, text, code, message] of bad) {
    for (const action of ['wrap', 'unwrap']) {
      test(`${action} refuses ${name} (exit ${code})`, async () => {
        const b = makeBundle(text ?? '');
        if (text === null) rmSync(join(b, 'config.json'));
        const r = await oci(action, b, ...(action === 'wrap' ? HOST : []));
        assert.equal(r.code, code);
        assert.equal(r.err.length, 1, r.err.join('\n'));
        assert.match(r.err[0]!, message);
        assert.equal(r.out, '');
        if (text !== null) assert.equal(readFileSync(join(b, 'config.json'), 'utf8'), text, 'file untouched');
      });
    }
  }

  test('usage errors exit 1 and touch nothing', async () => {
    const b = makeBundle(RUNC_SPEC);
    for (const argv of [['wrap'], ['wrap', b, '--bogus'], ['wrap', b, '--', 'node'], ['wrap', b, '--node', join(work, 'nope')], ['wrap', b, '--node', process.execPath, '--pidone', work]]) {
      const r = await oci(...argv);
      assert.equal(r.code, 1, argv.join(' '));
      assert.equal(r.err.length, 1);
    }
    assert.equal(readFileSync(join(b, 'config.json'), 'utf8'), RUNC_SPEC);
    assert.match((await oci('wrap', b, '--pidone', work)).err[0]!, /dist\/pidone\.js is missing; point --pidone at the pidone package/);
    const help = await oci('-h');
    assert.equal(help.code, 0);
    assert.match(help.out, /pidone oci wrap BUNDLE/);
  });

  test('a hand-edited wrap that unwrap cannot undo is refused (exit 2)', async () => {
    const b = makeBundle(RUNC_SPEC);
    await oci('wrap', b, ...HOST);
    const file = join(b, 'config.json');
    const c = JSON.parse(readFileSync(file, 'utf8'));
    c.process.args = ['sh'];
    writeFileSync(file, JSON.stringify(c, null, 2));
    const r = await oci('unwrap', b);
    assert.equal(r.code, 2);
    assert.match(r.err[0]!, /process\.args: was changed after pidone oci wrap/);
  });
});

describe('host side', () => {
  test('planBinds: the node binary, dist/, koffi and its prebuilt package, all under /.pidone', () => {
    const binds = planBinds(process.execPath, ROOT);
    assert.equal(binds[0]!.destination, '/.pidone/node');
    assert.equal(binds[1]!.destination, '/.pidone/pkg/dist');
    assert.equal(binds[1]!.source, join(ROOT, 'dist'));
    const koffi = binds.find((b) => b.destination === '/.pidone/pkg/node_modules/koffi');
    assert.ok(koffi);
    assert.ok(binds.some((b) => b.destination === `/.pidone/pkg/node_modules/@koromix/koffi-${process.platform}-${process.arch}`));
    assert.ok(binds.every((b) => b.destination.startsWith('/.pidone/')));
  });

  test('findRequiredPackages: koffi is the only package the bundles load at run time', () => {
    assert.deepEqual(findRequiredPackages(join(ROOT, 'dist')), ['koffi']);
  });

  test('readElfNeeds: node\'s loader and libc', () => {
    const needs = readElfNeeds(process.execPath);
    assert.ok(needs);
    assert.match(needs.interpreter ?? '', /^\/lib.*\/ld-/);
    assert.ok(needs.needed.some((n) => n.startsWith('libc.so')), needs.needed.join(' '));
    assert.equal(readElfNeeds(join(ROOT, 'package.json')), null);
  });

  test('resolveInRoot follows links inside the root, absolute ones too', () => {
    const root = join(work, 'links');
    mkdirSync(join(root, 'usr', 'lib', 'x86_64-linux-gnu'), { recursive: true });
    writeFileSync(join(root, 'usr', 'lib', 'x86_64-linux-gnu', 'libc.so.6'), '');
    symlinkSync('usr/lib', join(root, 'lib'));
    mkdirSync(join(root, 'lib64'));
    symlinkSync('/lib/x86_64-linux-gnu/libc.so.6', join(root, 'lib64', 'abs'));
    symlinkSync('/etc/passwd', join(root, 'escape')); // exists on the host, not in the root
    assert.equal(resolveInRoot(root, '/lib64/abs'), join(root, 'usr', 'lib', 'x86_64-linux-gnu', 'libc.so.6'));
    assert.equal(resolveInRoot(root, '/lib/x86_64-linux-gnu/libc.so.6'), join(root, 'usr', 'lib', 'x86_64-linux-gnu', 'libc.so.6'));
    assert.equal(resolveInRoot(root, '/escape'), null);
    assert.equal(resolveInRoot(root, '/../../lib/x86_64-linux-gnu/libc.so.6'), join(root, 'usr', 'lib', 'x86_64-linux-gnu', 'libc.so.6'));
  });

  test('findMissingInRootfs: nothing once the loader and the libraries are there', () => {
    const needs = readElfNeeds(process.execPath)!;
    const root = join(work, 'libs');
    mkdirSync(root);
    assert.ok(findMissingInRootfs(root, needs).includes(needs.interpreter!));
    const dir = join(root, 'usr', 'lib', 'x86_64-linux-gnu');
    mkdirSync(dir, { recursive: true });
    symlinkSync('usr/lib', join(root, 'lib'));
    for (const lib of needs.needed) writeFileSync(join(dir, lib), '');
    mkdirSync(join(root, 'lib64'));
    symlinkSync(`/lib/x86_64-linux-gnu/${basename(needs.interpreter!)}`, join(root, 'lib64', basename(needs.interpreter!)));
    writeFileSync(join(dir, basename(needs.interpreter!)), '');
    const missing = findMissingInRootfs(root, needs);
    if (needs.interpreter!.startsWith('/lib64/')) assert.deepEqual(missing, []);
  });
});
