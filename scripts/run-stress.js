// npm run test:stress: the stress, fault and fuzz suite (test/stress/), run
// after `npm run build` against the built dist/pidone.js.
//
//   STRESS_PROFILE=full  the default, and what .ci/run runs: about 9 minutes here
//                        (60 s of load + 30 s tail, 1e6 log lines, 5 bursts of 5000
//                        orphans, 10k runs per parser, 1000 runs of the binary)
//   STRESS_PROFILE=quick a quick pass (npm run test:stress:quick), about 4 minutes:
//                        15 s of load + 25 s tail, 250k log lines, 2 bursts, 2000
//                        runs per pure parser, ~150 runs of the binary
//   STRESS_SEED=N        replay fast-check with the seed a failing run printed
//   node scripts/run-stress.js --known-failures
//                        runs test/stress/known/: repros of bugs not fixed yet (expected to fail)
//
// It compiles the C fixtures (test/fixtures and test/stress/fixtures) with gcc,
// runs the test files one at a time, removes any pids cgroup a killed run left
// behind, and prints the reliability table from what the tests recorded.
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const profile = process.env.STRESS_PROFILE || 'full';
const known = process.argv.includes('--known-failures');
if (profile !== 'quick' && profile !== 'full') {
  console.error(`STRESS_PROFILE must be quick or full, not "${profile}"`);
  process.exit(2);
}
const seed = process.env.STRESS_SEED || String(Date.now() % 2147483647);
// A hard ceiling for the whole run, far above what each profile needs.
const CEILING_MS = (profile === 'quick' ? 10 : 40) * 60_000;

function compile(srcDir, outDir) {
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(srcDir).filter((n) => n.endsWith('.c'))) {
    const r = spawnSync('gcc', ['-O2', '-Wall', '-o', join(outDir, f.slice(0, -2)), join(srcDir, f)], { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`cannot compile ${f} with gcc; the stress suite needs gcc`);
      process.exit(1);
    }
  }
}

// Cgroups the harness made (pidone-test-*) under the pids hierarchy that a
// killed run could not remove: kill what is left in them, then remove them.
function removeStaleCgroups() {
  for (const base of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup']) {
    let names = [];
    try { names = readdirSync(base).filter((n) => n.startsWith('pidone-test-')); } catch { continue; }
    for (const n of names) {
      const dir = join(base, n);
      const ownerPid = Number(n.split('-')[2]);
      if (ownerPid && existsSync(`/proc/${ownerPid}`)) continue; // a live run (maybe someone else's) owns it
      try {
        for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
          try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
        }
      } catch { /* not readable */ }
      for (let i = 0; i < 20; i++) {
        try { rmdirSync(dir); break; } catch { spawnSync('sleep', ['0.1']); }
      }
    }
  }
}

function table(results) {
  const get = (area, key) => results.filter((r) => r.area === area && r.key === key).map((r) => r.value);
  const sum = (area, key) => get(area, key).reduce((a, b) => a + Number(b), 0);
  const max = (area, key) => Math.max(0, ...get(area, key).map(Number));
  const faults = results.filter((r) => r.area === 'fault' && r.key === 'survived');
  const security = results.filter((r) => r.area === 'security' && r.key === 'held');
  const fixed = results.filter((r) => r.area === 'regression' && r.key === 'fixed');
  const rows = [
    ['Load (supervisor)', `${get('load', 'services')[0] ?? '?'} services for ${get('load', 'seconds')[0] ?? '?'} s, ${get('load', 'churn_services')[0] ?? '?'} of them restarting constantly: ${sum('load', 'restarts')} restarts; ${sum('load', 'orphans')} orphans in bursts of ${get('load', 'orphan_burst')[0] ?? '?'}; ${sum('load', 'log_lines')} log lines`,
      `${sum('load', 'lost_lines')} lines lost, ${sum('load', 'bad_lines')} torn or interleaved (counted and checksummed); every zombie reaped within ${max('load', 'zombie_max_age_ms')} ms; RSS ${get('load', 'rss_first_mb')[0] ?? '?'} MB at ${get('load', 'rss_first_at_s')[0] ?? '?'} s, ${get('load', 'rss_end_mb')[0] ?? '?'} MB at the end, ${(max('load', 'rss_tail_growth_kb') / 1024).toFixed(1)} MB of growth over the last ${get('load', 'rss_tail_s')[0] ?? '?'} s of churn`],
    ['Load (single command)', `${sum('single-load', 'orphans')} orphans in bursts of ${get('single-load', 'orphan_burst')[0] ?? '?'} over ${get('single-load', 'seconds')[0] ?? '?'} s while the child logs`,
      `every zombie reaped within ${max('single-load', 'zombie_max_age_ms')} ms; RSS ${get('single-load', 'rss_first_mb')[0] ?? '?'} MB, then ${get('single-load', 'rss_end_mb')[0] ?? '?'} MB; exit status kept`],
    ['Faults', `${faults.length} survived: ${faults.map((f) => f.value).join('; ')}`, `${sum('fault', 'zombies_left')} zombies left, ${sum('fault', 'statuses_lost')} exit statuses lost`],
    ['Bad input', `${sum('fuzz', 'cases')} generated inputs: ${results.filter((r) => r.area === 'fuzz' && r.key === 'cases').map((r) => `${r.value} ${r.label ?? ''}`).join(', ')}`,
      `${sum('fuzz', 'crashes')} uncaught exceptions or stack traces; every error one line with the documented code`],
    ['Security', `${security.length} checks: ${security.map((s) => s.value).join('; ')}`, 'all held'],
    ['Found and fixed', `${fixed.length} regression tests: ${fixed.map((s) => s.value).join('; ')}`, 'all pass (open ones: test/stress/known-failures.md)'],
  ];
  return ['| what | tried | result |', '|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function main() {
  compile(join(root, 'test', 'fixtures'), join(root, 'build', 'fixtures'));
  compile(join(root, 'test', 'stress', 'fixtures'), join(root, 'build', 'stress-fixtures'));
  removeStaleCgroups();
  const dir = join(root, 'build', 'test', 'stress', known ? 'known' : '');
  const files = readdirSync(dir).filter((n) => n.endsWith('.test.js')).sort().map((n) => join(dir, n));
  const results = join(root, 'build', 'stress-results.jsonl');
  writeFileSync(results, '');
  console.log(`# stress suite: profile ${profile}, seed ${seed}${known ? ', known failures only' : ''}`);
  const started = Date.now();
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, STRESS_PROFILE: profile, STRESS_SEED: seed, STRESS_RESULTS: results },
  });
  const ceiling = setTimeout(() => {
    console.error(`stress suite still running after ${CEILING_MS / 60000} minutes: stopping it`);
    child.kill('SIGKILL');
  }, CEILING_MS);
  child.on('close', (code, signal) => {
    clearTimeout(ceiling);
    removeStaleCgroups();
    const secs = Math.round((Date.now() - started) / 1000);
    let recorded = [];
    try { recorded = readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)); } catch { /* none */ }
    if (!known) {
      console.log(`\n# reliability (profile ${profile}, ${secs} s, seed ${seed})\n`);
      console.log(table(recorded));
    }
    console.log(`\n# stress suite ${code === 0 ? 'passed' : 'FAILED'} in ${secs} s (profile ${profile}, seed ${seed}; replay with STRESS_SEED=${seed})`);
    process.exit(code ?? (signal ? 1 : 0));
  });
}

main();
