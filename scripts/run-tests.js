// npm test: compiles the C fixtures, runs the unit tests, then the end-to-end
// suite against the built dist/pidone.js on every Node version installed
// (the machine's node, and node22/node24 from devDependencies when present).
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const ci = process.env.CI === 'true';

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  return r.status === 0;
}

function buildFixtures() {
  const out = join(root, 'build', 'fixtures');
  mkdirSync(out, { recursive: true });
  const src = join(root, 'test', 'fixtures');
  for (const f of readdirSync(src).filter((n) => n.endsWith('.c'))) {
    if (!run('gcc', ['-O2', '-Wall', '-o', join(out, f.slice(0, -2)), join(src, f)])) {
      if (ci) { console.error(`cannot compile ${f} with gcc`); process.exit(1); }
      console.error(`gcc could not build ${f}: end-to-end tests will skip`);
      return;
    }
  }
}

buildFixtures();
const files = (dir) => readdirSync(join(root, 'build', 'test', dir)).filter((n) => n.endsWith('.test.js')).map((n) => join('build', 'test', dir, n));
let ok = run(process.execPath, ['--test', ...files('unit')]);
const nodes = [['node ' + process.versions.node, process.execPath]];
for (const alt of ['node22', 'node24']) {
  const bin = join(root, 'node_modules', alt, 'bin', 'node');
  if (existsSync(bin)) nodes.push([alt, bin]);
}
for (const [label, bin] of nodes) {
  console.log(`\n# end-to-end suite with ${label} (${bin})`);
  ok = run(process.execPath, ['--test', '--test-concurrency=1', ...files('e2e')], { PIDONE_NODE: bin }) && ok;
}
process.exit(ok ? 0 : 1);
