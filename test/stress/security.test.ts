// Security: the control socket refuses other users; a service started with
// `user:` cannot signal pidone or other users' services; children get no fds
// beyond 0-2 and the configured ones, and none of pidone's own environment;
// no inspector port opens, even after SIGUSR1; config values reach programs
// as bytes, never through a shell, unless `command` is a string.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { fixture, makeTempDir, namespaceSkipReason, NODE, PIDONE, sleep, startPidone } from '../e2e/harness';
import { parseEnvFile } from '../../src/supervisor/env';
import { CLOSE_EXTRA_FDS, cli, hostPid, PROFILE, publicCopy, readUid, record, SEED, stressFixture, waitFor, waitForLine } from './lib';

const skip = namespaceSkipReason();
const LOOP = "trap 'exit 0' TERM; while :; do sleep 0.1; done";
const NOBODY = 65534;

function held(what: string): void {
  record('security', 'held', what);
}

// A folder others may enter, so only the socket's own mode stands in their way.
function openDir(): string {
  const dir = makeTempDir();
  chmodSync(dir, 0o755);
  return dir;
}

// pidone's client, where nobody can run it (the tools bundle sits beside it).
function publicPidone(): string {
  publicCopy(join(dirname(PIDONE), 'pidone-tools.js'));
  return publicCopy(PIDONE);
}

function asNobody(args: string[], env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 10_000, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Socket inodes of pidone that are listening TCP sockets (IPv4 or IPv6).
function listeningTcp(pid: number): string[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch { /* closed meanwhile */ }
    }
  } catch { return []; }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9]!)) out.push(`${table}: ${f[1]}`);
    }
  }
  return out;
}

function decodeDump(text: string): { args: string[]; env: Map<string, string> } {
  const args: string[] = [];
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(?:\S+ +\| )?([AE]) ([0-9a-f]*)$/.exec(line);
    if (!m) continue;
    const value = Buffer.from(m[2]!, 'hex').toString();
    if (m[1] === 'A') args.push(value);
    else { const eq = value.indexOf('='); env.set(value.slice(0, eq), value.slice(eq + 1)); }
  }
  return { args, env };
}

describe('security', { skip }, () => {
  test('the control socket refuses other users (supervisor and single-command mode)', async () => {
    for (const mode of ['supervisor', 'single'] as const) {
      const dir = openDir();
      const socket = join(dir, 'ctl.sock');
      const file = join(dir, 'pidone.yaml');
      writeFileSync(file, `services:\n  web:\n    command: ["sh", "-c", "echo web-up; ${LOOP}"]\n`);
      const args = mode === 'supervisor' ? ['up', '-f', file] : ['--', 'sh', '-c', `echo web-up; ${LOOP}`];
      const run = startPidone(args, { env: { PIDONE_SOCKET: socket } });
      await waitForLine(run, /web-up/);
      await waitFor(() => cli(socket, 'status').code === 0, 'the control socket');
      const mode600 = spawnSync('stat', ['-c', '%a %U %F', socket], { encoding: 'utf8' }).stdout.trim();
      assert.equal(mode600, '600 root socket', mode);
      const client = [NODE, publicPidone()];
      for (const cmd of [['status'], ['stop', 'web'], ['signal', mode === 'single' ? 'sh' : 'web', 'KILL'], ['check']]) {
        const r = asNobody([...client, ...cmd], { PIDONE_SOCKET: socket });
        assert.equal(r.code, 3, `${mode} ${cmd.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /^pidone: .*permission denied/m, `${mode} ${cmd.join(' ')}`);
      }
      // a raw connect, without pidone's client
      const raw = asNobody([NODE, '-e', `require('net').connect(${JSON.stringify(socket)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(1); })`], {});
      assert.equal(raw.stdout.trim(), 'EACCES', mode);
      assert.equal(cli(socket, 'status').code, 0, `${mode}: the service still runs`);
      run.kill('SIGTERM');
      assert.equal((await run.done).code, 0);
    }
    held('control socket refuses another user (0600, EACCES), both modes');
  });

  test('a service running as nobody cannot signal pidone or other users\' services', async () => {
    const dir = openDir();
    const socket = join(dir, 'ctl.sock');
    const attack = [
      'while [ ! -s $0/root.pid ] || [ ! -s $0/other.pid ]; do sleep 0.05; done',
      'for s in USR1 TERM INT HUP QUIT KILL STOP; do kill -s $s 1 2>/dev/null; echo "init-$s=$?"; done',
      'for v in root other; do p=$(cat $0/$v.pid); for s in USR1 TERM KILL; do kill -s $s $p 2>/dev/null; echo "$v-$s=$?"; done; done',
      'kill -s KILL -- -$(cat $0/root.pid) 2>/dev/null; echo "group-KILL=$?"',
      'echo uid=$(id -u) gid=$(id -g) groups=$(id -G)',
      'grep -E "^(Cap(Eff|Prm)|NoNewPrivs)" /proc/self/status | tr "\\t" " "',
      'echo attack-done',
    ].join('; ');
    const victim = (name: string): string => `echo $$ > ${dir}/${name}.pid; echo ${name}-up; trap 'echo ${name}-got-USR1' USR1; trap 'echo ${name}-got-TERM; exit 0' TERM; while :; do sleep 0.1; done`;
    const file = join(dir, 'pidone.yaml');
    writeFileSync(file, `
services:
  root:
    command: ["sh", "-c", ${JSON.stringify(victim('root'))}]
  other:
    command: ["sh", "-c", ${JSON.stringify(victim('other'))}]
    user: daemon
  attacker:
    command: ["sh", "-c", ${JSON.stringify(attack)}, ${JSON.stringify(dir)}]
    user: nobody
    depends_on: [root, other]
`);
    chmodSync(dir, 0o777); // the "other" service (daemon) writes its pid file here
    const run = startPidone(['up', '-f', file], { env: { PIDONE_SOCKET: socket } });
    await waitForLine(run, /attacker +\| attack-done/, 'the attacker to finish', 15_000);
    await sleep(300);
    const out = run.stdoutSoFar();
    for (const s of ['USR1', 'TERM', 'INT', 'HUP', 'QUIT', 'KILL', 'STOP']) assert.match(out, new RegExp(`attacker +\\| init-${s}=1$`, 'm'), `signal ${s} to PID 1: ${out}`);
    for (const v of ['root', 'other']) for (const s of ['USR1', 'TERM', 'KILL']) assert.match(out, new RegExp(`attacker +\\| ${v}-${s}=1$`, 'm'), `${s} to ${v}`);
    assert.match(out, /attacker +\| group-KILL=1$/m);
    assert.match(out, new RegExp(`attacker +\\| uid=${NOBODY} gid=65534 groups=65534$`, 'm'), 'no supplementary groups of root');
    assert.match(out, /attacker +\| CapPrm: 0000000000000000$/m);
    assert.match(out, /attacker +\| CapEff: 0000000000000000$/m);
    assert.doesNotMatch(out, /got-USR1|got-TERM|stopping:/);
    const st = JSON.parse(cli(socket, 'status', '--json').stdout) as { services: Array<{ name: string; state: string; pid: number }> };
    assert.deepEqual(st.services.filter((s) => s.name !== 'attacker').map((s) => s.state), ['running', 'running']);
    const other = st.services.find((s) => s.name === 'other')!;
    assert.deepEqual(readUid(hostPid(run.pidonePid(), other.pid)), [1, 1, 1, 1]);
    run.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 0, r.stdout);
    held('a user: nobody service cannot signal PID 1, root\'s or daemon\'s services (EPERM), holds no capabilities or root groups');
  });

  test('children get fds 0-2 and the configured ones, nothing of pidone\'s (supervisor, single, probes, restarts, user:)', async () => {
    const dir = openDir();
    const fdlist = stressFixture('fdlist');
    const out = (name: string): string => join(dir, `${name}.fds`);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const file = join(dir, 'pidone.yaml');
    writeFileSync(file, `
services:
  plain:
    command: [${JSON.stringify(fdlist)}, ${JSON.stringify(out('plain'))}, "hold"]
  notify:
    command: ["sh", "-c", "echo >&5; exec ${fdlist} ${out('notify')} hold"]
    ready: {notify_fd: 5, timeout: 5s}
  ipc:
    command: [${JSON.stringify(fdlist)}, ${JSON.stringify(out('ipc'))}, "hold"]
    ready: {ipc: true, timeout: 300ms}
    restart: "no"
    required: false
  sdnotify:
    command: [${JSON.stringify(fdlist)}, ${JSON.stringify(out('sdnotify'))}, "hold"]
  nobody:
    command: [${JSON.stringify(publicCopy(fdlist))}, ${JSON.stringify(out('nobody'))}, "hold"]
    user: nobody
  probed:
    command: ["sh", "-c", "${LOOP}"]
    ready: {exec: [${JSON.stringify(fdlist)}, ${JSON.stringify(out('probe'))}], interval: 50ms}
    health: {exec: [${JSON.stringify(fdlist)}, ${JSON.stringify(out('health'))}], interval: 200ms}
  gate:
    command: ["sleep", "0.5"]
    oneshot: true
  late:
    command: [${JSON.stringify(fdlist)}, ${JSON.stringify(out('late'))}, "hold"]
    depends_on: {gate: {condition: completed_successfully}}
  again:
    command: ["sh", "-c", "if [ -e ${out('again-1')} ]; then exec ${fdlist} ${out('again-2')} hold; fi; ${fdlist} ${out('again-1')}; exit 1"]
    restart: on-failure
    backoff: {initial: 700ms, max: 700ms}
`);
    chmodSync(dir, 0o777); // nobody writes its list here
    const socket = join(dir, 'ctl.sock');
    const run = startPidone(['up', '--health-port', String(port), '-f', file], { env: { PIDONE_SOCKET: socket }, wrapper: CLOSE_EXTRA_FDS, timeoutMs: 30_000 });
    const names = ['plain', 'notify', 'ipc', 'sdnotify', 'nobody', 'probe', 'health', 'late', 'again-1', 'again-2'];
    await waitFor(() => names.every((n) => existsSync(out(n)) && readFileSync(out(n), 'utf8').endsWith('\n')), `every fd list (${names.filter((n) => !existsSync(out(n))).join(', ')})`, 20_000);
    const lists = Object.fromEntries(names.map((n) => [n, readFileSync(out(n), 'utf8').trim()]));
    run.kill('SIGTERM');
    await run.done;
    assert.deepEqual(lists, {
      plain: '0 1 2', notify: '0 1 2 5', ipc: '0 1 2 3', sdnotify: '0 1 2', nobody: '0 1 2', probe: '0 1 2', health: '0 1 2',
      late: '0 1 2', 'again-1': '0 1 2', 'again-2': '0 1 2',
    });

    // single-command mode: 0-2, plus what pidone itself was given (documented), nothing of its own
    const single = join(dir, 'single.fds');
    const closeAll = 'for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done';
    const r = spawnSync('bash', ['-c', `${closeAll}; exec 5</etc/hostname; exec unshare --pid --fork --mount-proc ${NODE} ${PIDONE} --health-port ${port + 1} -- ${fdlist} ${single}`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(single, 'utf8').trim(), '0 1 2 5');
    held('children hold only fds 0-2 and the configured ones (10 kinds of child checked)');
  });

  test('children get none of pidone\'s own environment: exactly what it was given, plus what the config sets', async () => {
    const dir = makeTempDir();
    const dump = stressFixture('argvdump');
    const base = { PATH: '/usr/local/bin:/usr/bin:/bin', USERVAR: 'from the user', PIDONE_SOCKET: join(dir, 'ctl.sock') };
    const wrapper = ['env', '-i', ...Object.entries(base).map(([k, v]) => `${k}=${v}`)];
    const single = await startPidone(['--', dump], { wrapper }).done;
    assert.deepEqual(Object.fromEntries(decodeDump(single.stdout).env), base, 'single-command mode');

    const file = join(dir, 'pidone.yaml');
    writeFileSync(join(dir, 'extra.env'), 'FROM_FILE=1\n');
    writeFileSync(file, `
services:
  plain:
    command: [${JSON.stringify(dump)}]
    env: {SVC: "x"}
    env_file: extra.env
  nobody:
    command: [${JSON.stringify(publicCopy(dump))}]
    user: nobody
  ipc:
    command: [${JSON.stringify(dump)}]
    ready: {ipc: true, timeout: 300ms}
    required: false
`);
    const r = await startPidone(['up', '-f', file], { wrapper, timeoutMs: 20_000 }).done;
    const by = (svc: string): Record<string, string> => Object.fromEntries(decodeDump(r.stdout.split('\n').filter((l) => l.startsWith(`${svc} `)).join('\n')).env);
    assert.deepEqual(by('plain'), { ...base, FROM_FILE: '1', SVC: 'x' });
    assert.deepEqual(by('nobody'), base, 'exec-as adds nothing');
    assert.deepEqual(by('ipc'), { ...base, NODE_CHANNEL_FD: '3', NODE_CHANNEL_SERIALIZATION_MODE: 'json' }, 'only what ready: ipc sets');
    held('children get exactly the environment pidone was given plus the configured variables');
  });

  test('no inspector port opens: SIGUSR1 goes to the child / main service, never to Node\'s inspector', async () => {
    for (const mode of ['single', 'supervisor'] as const) {
      const dir = makeTempDir();
      const file = join(dir, 'pidone.yaml');
      writeFileSync(file, `services:\n  app:\n    command: [${JSON.stringify(fixture('sigrecord'))}, "15"]\n    main: true\n`);
      const args = mode === 'single' ? ['--', fixture('sigrecord'), '15'] : ['up', '-f', file];
      const run = startPidone(args, { timeoutMs: 20_000 });
      await waitForLine(run, /ready/);
      const pid = run.pidonePid();
      let seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        run.kill('SIGUSR1');
        for (let j = 0; j < 5; j++) { await sleep(10); seen = seen.length ? seen : listeningTcp(pid); }
      }
      for (let j = 0; j < 100; j++) { await sleep(10); seen = seen.length ? seen : listeningTcp(pid); }
      await waitForLine(run, /(^|\| )10$/m, 'the forwarded SIGUSR1');
      run.kill('SIGTERM');
      const r = await run.done;
      assert.deepEqual(seen, [], `${mode}: pidone listened on TCP`);
      assert.doesNotMatch(r.stderr, /Debugger listening|inspector/i);
      assert.equal(r.code, 0, r.stderr);
    }
    // The documented window: a SIGUSR1 that lands while Node starts, before any JS runs.
    // (the child records the SIGUSR1s that pidone forwards once its JS runs, and exits 0 on SIGTERM)
    const early = startPidone(['--', fixture('sigrecord'), '15'], { timeoutMs: 20_000 });
    let opened = false;
    const t0 = performance.now();
    let pid = 0;
    while (performance.now() - t0 < 400) {
      try { pid ||= early.pidonePid(); process.kill(pid, 'SIGUSR1'); } catch { /* not there yet */ }
      if (pid && listeningTcp(pid).length > 0) opened = true;
      await sleep(2);
    }
    await sleep(1200);
    const after = pid ? listeningTcp(pid) : [];
    // A SIGUSR1 forwarded before the child installed its handler ends the child
    // (default action) and pidone with it, 128+10: pidone did its job.
    try { early.kill('SIGTERM'); } catch { /* already ended that way */ }
    const e = await early.done;
    console.log(`# SIGUSR1 during start-up: inspector ${opened ? 'opened, then closed by the guard' : 'never opened'}`);
    assert.deepEqual(after, [], 'an inspector opened during start-up is closed within a second');
    assert.ok(e.code === 0 || e.code === 138, `exit ${e.code}: ${e.stderr}`);
    record('security', 'startup_inspector_opened', opened);
    held('no inspector port after 20 SIGUSR1s (both modes); one opened during start-up is closed within 1 s');
  });

  test('config values reach programs byte for byte, never through a shell (unless command is a string)', async () => {
    const dir = makeTempDir();
    const marks = join(dir, 'marks');
    mkdirSync(marks);
    const mark = (n: number): string => join(marks, `m${n}`);
    const metas = (n: number): string[] => [
      `$(touch ${mark(n)})`, `\`touch ${mark(n)}\``, `; touch ${mark(n)}`, `| touch ${mark(n)}`, `&& touch ${mark(n)}`, `\n touch ${mark(n)}`,
      '*', '~', '$HOME', '${PATH}', '"', "'", '\\', '$((6*7))', '>x', '<x', '2>&1', '#', '!', '{a,b}', '-c', '--', '%s', '',
    ];
    const word = fc.oneof(fc.constantFrom(...metas(0)), fc.string({ maxLength: 10 }), fc.string({ unit: 'grapheme', maxLength: 6 }))
      .filter((s) => !s.includes('\0'));
    let runs = 0;
    await fc.assert(fc.asyncProperty(fc.array(word, { minLength: 1, maxLength: 12 }), fc.array(word, { minLength: 1, maxLength: 6 }), async (args, envValues) => {
      runs += 1;
      const dump = stressFixture('argvdump');
      const probeOut = join(dir, `probe-${runs}`);
      const env = Object.fromEntries(envValues.map((v, i) => [`V${i}`, v]));
      const fileValues = envValues.filter((v) => !/[\n\r\u2028\u2029\u0085]/.test(v));
      const envFile = join(dir, `f-${runs}.env`);
      writeFileSync(envFile, fileValues.map((v, i) => `F${i}=${v}`).join('\n') + '\n');
      const parsedFile = parseEnvFile(readFileSync(envFile, 'utf8'));
      const file = join(dir, `p-${runs}.yaml`);
      writeFileSync(file, JSON.stringify({
        services: {
          list: { command: [dump, ...args], env, env_file: envFile, oneshot: true },
          probed: {
            command: ['sleep', '1'], oneshot: true,
            ready: { exec: ['sh', '-c', 'printf %s "$1" > "$0"', probeOut, args[0]!], interval: '50ms', timeout: '5s' },
          },
          baduser: { command: [dump], user: args[0]!.trim() === '' ? '$(x)' : args[0]!, oneshot: true },
          shell: { command: 'echo "shell:$((6*7))"', oneshot: true },
        },
      }));
      const r = await startPidone(['up', '-f', file], { timeoutMs: 20_000 }).done;
      const got = decodeDump(r.stdout.split('\n').filter((l) => l.startsWith('list ')).join('\n'));
      assert.deepEqual(got.args, args, `argv changed: ${r.stdout.slice(0, 2000)}`);
      for (const [k, v] of Object.entries(env)) assert.equal(got.env.get(k), v, `env ${k}`);
      if (parsedFile.kind === 'ok') for (const [k, v] of Object.entries(parsedFile.env)) assert.equal(got.env.get(k), v, `env_file ${k}`);
      assert.equal(readFileSync(probeOut, 'utf8'), args[0], 'exec probe argument');
      assert.match(r.stdout, /^shell +\| shell:42$/m, 'a string command does run through sh');
      assert.deepEqual(readdirSync(marks), [], 'a config value ran through a shell');
    }), { numRuns: PROFILE.shellRuns, seed: SEED, endOnFailure: true, includeErrorInReport: true });

    // single-command mode, for good measure
    const words = metas(1);
    const r = await startPidone(['--', stressFixture('argvdump'), ...words]).done;
    assert.deepEqual(decodeDump(r.stdout).args, words);
    assert.deepEqual(readdirSync(marks), []);
    record('fuzz', 'cases', PROFILE.shellRuns, 'configs with shell metacharacters (real binary)');
    held(`no config value reached a shell (${PROFILE.shellRuns} generated configs, ${metas(0).length} metacharacter forms)`);
  });
});
