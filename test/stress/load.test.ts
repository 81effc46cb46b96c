// Load: 20 services restart constantly while 4 others log PROFILE.logLines
// lines and a 25th forks bursts of 5000 orphans, in a pids cgroup, for at
// least PROFILE.loadSeconds and until that work is done; then the 20 churn on
// alone for PROFILE.tailSeconds. No zombie of pidone outlives a short bound; no
// log line is lost, torn or interleaved (every line is counted and
// checksummed); pidone's RSS and fd count stay flat (bounds below).
// Then the same orphan storm under single-command mode.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, makeTempDir, namespaceSkipReason, sleep, startPidone } from '../e2e/harness';
import { cli, fnv1a, listFds, PROFILE, readRssKb, record, stressFixture, watchZombies } from './lib';

const skip = namespaceSkipReason();
const SECONDS = PROFILE.loadSeconds;
const CHURN = 20;
const LOGGERS = 4;
const PER_LOGGER = Math.floor(PROFILE.logLines / LOGGERS);
const BURST = PROFILE.orphanBurst;
const BURSTS = PROFILE.orphanBursts;
const EXTRA_S = 180; // the work (bursts, lines) may outlast SECONDS on a busy machine; wait this long at most
const PIDS_MAX = 2000; // bursts fork 500 at a time (x2 with the middle processes)
// A zombie of pidone must be gone within this long, even under this load.
const ZOMBIE_BOUND_MS = 2000;
// RSS: V8 grows its heap for the first 30-45 s of this load (and the restart
// history fills its 60 s window), then stays flat: churn alone measured 94.0 MB
// to 95.3 MB from 30 s to 75 s over 8400 restarts (~180 bytes a restart). So
// two bounds: from the first sample to the end at most RSS_GROSS_KB (a gross
// leak), and over the tail (churn alone, once the loggers and orphan bursts are
// done, from 5 s into it to its end) at most RSS_TAIL_KB: a leak of 2 KiB per
// restart breaks it in either profile. Handle leaks (pipes, sockets, timers'
// fds) show in pidone's fd count instead, which must not grow.
const RSS_GROSS_KB = 48 * 1024;
const RSS_TAIL_KB = 8 * 1024;
const RSS_GROSS_SINGLE_KB = 16 * 1024;
const RSS_LATE_SINGLE_KB = 8 * 1024;

// Growth from the first sample at or after fromS to the last sample.
function growthSinceKb(samples: Array<[number, number]>, fromS: number): number {
  const end = samples[samples.length - 1]!;
  const start = samples.find(([t]) => t >= fromS) ?? end;
  return end[1] - start[1];
}

// BURSTS bursts of orphans, half a second apart. Each burst line is checked.
// (In single-command mode they go to stderr: the logger shares stdout, and its
// 4 KiB+ writes are not atomic against them.)
function orphanScript(bursts: number, to = ''): string {
  return `n=0; while [ $n -lt ${bursts} ]; do ${fixture('orphans')} ${BURST} 500 >/dev/null || { echo burst-failed ${to}; exit 9; }; n=$((n+1)); echo burst $n ${to}; sleep 0.5; done; echo bursts-done $n ${to}`;
}

interface LineStats {
  lines: number;
  bad: string[];
  perLogger: Map<string, number[]>;  // id -> seqs in arrival order
  churnLines: Map<string, number>;
  events: Map<string, { started: number; exited1: number; restarting: number; other: number }>;
  bursts: number;
}

function parseOutput(out: string): LineStats {
  const s: LineStats = { lines: 0, bad: [], perLogger: new Map(), churnLines: new Map(), events: new Map(), bursts: 0 };
  const ev = (name: string): { started: number; exited1: number; restarting: number; other: number } => {
    let e = s.events.get(name);
    if (!e) { e = { started: 0, exited1: 0, restarting: 0, other: 0 }; s.events.set(name, e); }
    return e;
  };
  let from = 0;
  for (;;) {
    const nl = out.indexOf('\n', from);
    if (nl < 0) { if (from < out.length) s.bad.push(`unterminated: ${out.slice(from, from + 200)}`); break; }
    const line = out.slice(from, nl);
    from = nl + 1;
    s.lines += 1;
    const m = /^(\S+) +\| (.*)$/.exec(line);
    if (!m) { s.bad.push(line); continue; }
    const [, name, text] = m as unknown as [string, string, string];
    if (name === 'pidone') {
      const e = /^([\w.-]+): (started \(pid \d+\)|exited with code 1|restarting in \d+m?s|.*)$/.exec(text);
      if (e) {
        const c = ev(e[1]!);
        if (e[2]!.startsWith('started')) c.started += 1;
        else if (e[2] === 'exited with code 1') c.exited1 += 1;
        else if (e[2]!.startsWith('restarting in')) c.restarting += 1;
        else c.other += 1;
      }
      continue;
    }
    if (name === 'orphans') {
      if (/^burst \d+$/.test(text)) s.bursts += 1;
      else if (!/^bursts-done \d+$/.test(text)) s.bad.push(line);
      continue;
    }
    const l = /^L (\S+) (\d+) (\S+) ([0-9a-f]{8})$/.exec(text);
    if (!l || fnv1a(`${l[1]} ${l[2]} ${l[3]}`) !== l[4]) { s.bad.push(line.slice(0, 300)); continue; }
    const id = l[1]!;
    if (id.startsWith('c')) {
      if (name !== `churn-${id.slice(1)}`) { s.bad.push(`wrong prefix: ${line.slice(0, 200)}`); continue; }
      s.churnLines.set(name, (s.churnLines.get(name) ?? 0) + 1);
    } else {
      if (name !== `log-${id.slice(1)}`) { s.bad.push(`wrong prefix: ${line.slice(0, 200)}`); continue; }
      let seqs = s.perLogger.get(id);
      if (!seqs) { seqs = []; s.perLogger.set(id, seqs); }
      seqs.push(Number(l[2]));
    }
  }
  return s;
}

describe(`load (${SECONDS} s, ${PROFILE.logLines} log lines, bursts of ${BURST} orphans)`, { skip }, () => {
  test(`supervisor: ${CHURN} services restarting constantly, loggers, orphan bursts`, async () => {
    const dir = makeTempDir();
    const logger = stressFixture('logger');
    const services: string[] = [];
    for (let i = 1; i <= CHURN; i++) {
      const n = String(i).padStart(2, '0');
      services.push(`  churn-${n}:\n    command: [${JSON.stringify(logger)}, "c${n}", "1", "1"]\n    restart: always\n    backoff: {initial: 50ms, max: 50ms, factor: 1}\n    stop_timeout: 2s`);
    }
    for (let i = 1; i <= LOGGERS; i++) {
      services.push(`  log-${i}:\n    command: [${JSON.stringify(logger)}, "l${i}", "${PER_LOGGER}", "0", "exit", "${Math.round(SECONDS * 600)}"]`);
    }
    services.push(`  orphans:\n    command: ["sh", "-c", ${JSON.stringify(orphanScript(BURSTS))}]`);
    const file = join(dir, 'pidone.yaml');
    writeFileSync(file, `stop_grace: 10s\nservices:\n${services.join('\n')}\n`);

    const socket = join(dir, 'ctl.sock');
    const run = startPidone(['up', '-f', file], { cgroupPidsMax: PIDS_MAX, timeoutMs: (SECONDS + EXTRA_S + 60) * 1000, env: { PIDONE_SOCKET: socket } });
    await sleep(300);
    const pid = run.pidonePid();
    const zombies = watchZombies(pid);
    const rss: Array<[number, number]> = [];
    let fdsFirst: number | null = null;
    const t0 = performance.now();
    // Churn for SECONDS, and until the loggers and the orphan bursts are done.
    const workDone = (): boolean => {
      const st = cli(socket, 'status', '--json');
      if (st.code === 3) return false;
      const services = (JSON.parse(st.stdout) as { services: Array<{ name: string; state: string }> }).services;
      return services.filter((x) => !x.name.startsWith('churn-')).every((x) => x.state === 'exited');
    };
    let tailFrom: number | null = null;
    for (;;) {
      await sleep(1000);
      const kb = readRssKb(pid);
      if (kb !== null) rss.push([Math.round((performance.now() - t0) / 1000), kb]);
      const elapsed = (performance.now() - t0) / 1000;
      if (fdsFirst === null && elapsed >= PROFILE.rssProbeAtSeconds) fdsFirst = listFds(pid).length;
      if (tailFrom === null && ((elapsed >= SECONDS && workDone()) || elapsed >= SECONDS + EXTRA_S)) tailFrom = elapsed;
      if (tailFrom !== null && elapsed >= tailFrom + PROFILE.tailSeconds) break;
    }
    const tailGrowthKb = growthSinceKb(rss, (tailFrom ?? 0) + 5);
    const loadSeconds = Math.round((performance.now() - t0) / 1000);
    const fdsLast = listFds(pid).length;
    const z = zombies.stop();
    const first = rss.find(([s]) => s >= PROFILE.rssProbeAtSeconds) ?? rss[0]!;
    const last = rss[rss.length - 1]!;
    run.kill('SIGTERM');
    const r = await run.done;
    const s = parseOutput(r.stdout);

    let lost = 0;
    const seqProblems: string[] = [];
    for (let i = 1; i <= LOGGERS; i++) {
      const seqs = s.perLogger.get(`l${i}`) ?? [];
      lost += Math.max(0, PER_LOGGER - new Set(seqs).size);
      for (let k = 0; k < seqs.length; k++) {
        if (seqs[k] !== k) { seqProblems.push(`l${i}: line ${k} has seq ${seqs[k]}`); break; }
      }
      if (seqs.length !== PER_LOGGER) seqProblems.push(`l${i}: ${seqs.length} lines, expected ${PER_LOGGER}`);
    }
    let restarts = 0;
    const churnProblems: string[] = [];
    for (let i = 1; i <= CHURN; i++) {
      const name = `churn-${String(i).padStart(2, '0')}`;
      const e = s.events.get(name) ?? { started: 0, exited1: 0, restarting: 0, other: 0 };
      const lines = s.churnLines.get(name) ?? 0;
      restarts += e.restarting;
      // every run that exited 1 wrote its one line first; a run cut short by the stop may not have
      if (lines < e.exited1 || lines > e.started) churnProblems.push(`${name}: ${lines} lines, ${e.started} starts, ${e.exited1} exits`);
      lost += Math.max(0, e.exited1 - lines);
    }
    const summary = {
      seconds: loadSeconds, code: r.code, lines: s.lines, bad: s.bad.length, badSample: s.bad.slice(0, 3), lost, restarts, bursts: s.bursts, zombies: z,
      rssFirst: first, rssLast: last, tailFrom, rssTailGrowthKb: tailGrowthKb, rssMaxKb: Math.max(...rss.map(([, kb]) => kb)), fdsFirst, fdsLast, ms: Math.round(r.ms),
    };
    console.log(`# load: ${JSON.stringify(summary)}`);
    record('load', 'services', CHURN + LOGGERS + 1);
    record('load', 'churn_services', CHURN);
    record('load', 'seconds', loadSeconds);
    record('load', 'restarts', restarts);
    record('load', 'orphans', s.bursts * BURST);
    record('load', 'orphan_burst', BURST);
    record('load', 'log_lines', LOGGERS * PER_LOGGER + [...s.churnLines.values()].reduce((a, b) => a + b, 0));
    record('load', 'lost_lines', lost);
    record('load', 'bad_lines', s.bad.length);
    record('load', 'zombie_max_age_ms', z.boundMs);
    record('load', 'rss_first_mb', Math.round(first[1] / 1024));
    record('load', 'rss_first_at_s', first[0]);
    record('load', 'rss_end_mb', Math.round(last[1] / 1024));
    record('load', 'rss_tail_growth_kb', tailGrowthKb);
    record('load', 'rss_tail_s', PROFILE.tailSeconds - 5);

    assert.equal(r.code, 0, `exit status: ${r.stderr.slice(-2000)}`);
    assert.deepEqual(s.bad.slice(0, 5), [], `${s.bad.length} torn, interleaved or unknown lines`);
    assert.deepEqual(seqProblems, [], 'logger lines lost, duplicated or out of order');
    assert.deepEqual(churnProblems, [], 'lines of restarting services lost');
    assert.equal(lost, 0);
    assert.ok(restarts >= CHURN * SECONDS, `only ${restarts} restarts: the services did not churn`);
    assert.equal(s.bursts, BURSTS, 'orphan bursts');
    assert.ok(z.boundMs <= ZOMBIE_BOUND_MS, `a zombie of pidone lived up to ${z.boundMs} ms`);
    assert.ok(last[1] - first[1] <= RSS_GROSS_KB, `RSS grew from ${first[1]} KiB at ${first[0]} s to ${last[1]} KiB at ${last[0]} s`);
    assert.ok(tailGrowthKb <= RSS_TAIL_KB, `RSS grew ${tailGrowthKb} KiB over the tail (from ${tailFrom} s): ${JSON.stringify(rss)}`);
    // The churn services hold 2 log pipes each while they run; nothing else should pile up.
    assert.ok(fdsLast <= (fdsFirst ?? 0) + 2 * CHURN, `pidone's fds went from ${fdsFirst} to ${fdsLast}`);
    assert.equal(r.stderr, '', 'pidone wrote to stderr');
  });

  test('single command: bursts of orphans while the child logs', async () => {
    const logger = stressFixture('logger');
    const lines = Math.floor(PROFILE.logLines / 4);
    const script = `${logger} s ${lines} 0 exit ${SECONDS * 600} & ${orphanScript(BURSTS, '>&2')}; wait; exit 7`;
    const run = startPidone(['--', 'sh', '-c', script], { cgroupPidsMax: PIDS_MAX, timeoutMs: (SECONDS + EXTRA_S + 60) * 1000 });
    await sleep(300);
    const pid = run.pidonePid();
    const zombies = watchZombies(pid, 50);
    const rss: Array<[number, number]> = [];
    const t0 = performance.now();
    let ended = false;
    void run.done.then(() => { ended = true; });
    while (!ended) {
      await sleep(500);
      const kb = readRssKb(pid);
      if (kb !== null) rss.push([Math.round((performance.now() - t0) / 1000), kb]);
    }
    const z = zombies.stop();
    const r = await run.done;
    const bursts = (r.stderr.match(/^burst \d+$/gm) ?? []).length;
    const logLines = r.stdout.split('\n').filter((l) => l.startsWith('L s '));
    const badLogLines = logLines.filter((l) => { const m = /^L (s \d+ \S+) ([0-9a-f]{8})$/.exec(l); return !m || fnv1a(m[1]!) !== m[2]; });
    const first = rss.find(([s]) => s >= PROFILE.rssProbeAtSeconds) ?? rss[0]!;
    const last = rss[rss.length - 1]!;
    console.log(`# single-command load: ${JSON.stringify({ code: r.code, bursts, lines: logLines.length, zombies: z, rssFirst: first, rssLast: last, ms: Math.round(r.ms) })}`);
    record('single-load', 'seconds', Math.round(r.ms / 1000));
    record('single-load', 'orphans', bursts * BURST);
    record('single-load', 'orphan_burst', BURST);
    record('single-load', 'zombie_max_age_ms', z.boundMs);
    record('single-load', 'rss_first_mb', Math.round(first[1] / 1024));
    record('single-load', 'rss_end_mb', Math.round(last[1] / 1024));
    assert.equal(r.code, 7, `the child's status survives the storm: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /burst-failed/);
    assert.deepEqual(r.stderr.split('\n').filter((l) => l && !/^burst(s-done)? \d+$/.test(l)), [], 'pidone wrote to stderr');
    assert.equal(bursts, BURSTS);
    assert.equal(logLines.length, lines);
    assert.equal(badLogLines.length, 0);
    assert.ok(z.boundMs <= ZOMBIE_BOUND_MS, `a zombie of pidone lived up to ${z.boundMs} ms`);
    assert.ok(last[1] - first[1] <= RSS_GROSS_SINGLE_KB, `RSS grew from ${first[1]} KiB to ${last[1]} KiB`);
    assert.ok(growthSinceKb(rss, last[0] / 2) <= RSS_LATE_SINGLE_KB, `RSS grew ${growthSinceKb(rss, last[0] / 2)} KiB over the second half: ${JSON.stringify(rss)}`);
  });
});
