import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSigMask, type ProcessFacts } from '../../src/doctor/inspect';
import {
  classifyProgram, diagnose, DOCTOR_EXIT, hasTiniFlag, judgeSignal, judgeSubreaper, type InitKind, type Level,
} from '../../src/doctor/verdict';
import { buildReport, formatPids, formatSignalList, renderText } from '../../src/doctor/report';
import { parseDoctorArgs } from '../../src/doctor/doctor';

// Masks as measured on Linux 6.18 with each program as PID 1 of a fresh namespace.
const MASKS = {
  none: { cgt: '0', ign: '0', blk: '0' },
  sh: { cgt: '0000000000010000', ign: '0', blk: '0' },
  shTrap: { cgt: '0000000000014000', ign: '0', blk: '0' },
  shIgnTerm: { cgt: '0000000000010000', ign: '0000000000004000', blk: '0' },
  node: { cgt: '0000000100004602', ign: '0000000001001000', blk: '0' },
  python: { cgt: '0000000000000002', ign: '0000000001001000', blk: '0' },
  java: { cgt: '0000000000004003', ign: '0', blk: '0' },
  tini: { cgt: '0', ign: '0000000000300000', blk: '0' },
  tiniBetweenWaits: { cgt: '0', ign: '0000000000300000', blk: 'fffffffe3ffbfa07' },
  dumbInit: { cgt: '000000007ffbfeff', ign: '0', blk: '0' },
  catatonit: { cgt: '0', ign: '0', blk: 'fffffffe3ffbfa07' },
  pidone: { cgt: 'ffffffff3bcbfe07', ign: '0000000000300000', blk: '0' },
  blockedTerm: { cgt: '0', ign: '0', blk: '0000000000004000' },
} as const;

function facts(argv: string[], masks: { cgt: string; ign: string; blk: string }, over: Partial<ProcessFacts> = {}): ProcessFacts {
  return {
    pid: 1, nsPid: 1, isNamespaceInit: true, argv, comm: (argv[0] ?? '').split('/').pop()!.slice(0, 15), exe: null,
    command: argv.join(' '), state: 'S', ppid: 0,
    caught: decodeSigMask(masks.cgt), ignored: decodeSigMask(masks.ign), blocked: decodeSigMask(masks.blk),
    signalfd: [], wchan: null, tiniSubreaperEnv: false,
    zombies: { count: 0, scope: 'namespace', byParent: [] },
    pids: { version: 'v2', cgroup: '/c', current: 10, max: 1000, limit: { cgroup: '/c', current: 10, max: 1000 }, note: null },
    pidMax: 4194304, notes: [],
    ...over,
  };
}

test('classifyProgram: argv (and comm) -> kind', () => {
  const rows: Array<[string[], string, InitKind, string]> = [
    [['node', '/usr/lib/node_modules/pidone/dist/pidone.js', '--', 'app'], 'node', 'pidone', 'pidone'],
    [['/usr/local/bin/node', 'dist/pidone.js', 'up'], 'node', 'pidone', 'pidone'],
    [['node', '/usr/local/bin/pidone', '--', 'x'], 'node', 'pidone', 'pidone'],
    [['/usr/bin/pidone', '--', 'x'], 'pidone', 'pidone', 'pidone'],
    [['node', 'dist/pidone.js', 'doctor', '--json'], 'node', 'app', 'pidone doctor'],
    [['pidone', 'validate', '-f', 'x.yaml'], 'pidone', 'app', 'pidone validate'],
    [['node', 'dist/pidone.js', '--', 'doctor'], 'node', 'pidone', 'pidone'],
    [['node', '--max-old-space-size=64', 'server.js'], 'node', 'node', 'node'],
    [['node', '-e', 'setTimeout(()=>{},1)'], 'node', 'node', 'node'],
    [['node', '/app/node_modules/.bin/pm2-runtime', 'app.js'], 'node', 'pm2-runtime', 'pm2-runtime'],
    [['tini', '--', 'x'], 'tini', 'tini', 'tini'],
    [['/sbin/docker-init', '--', 'x'], 'docker-init', 'tini', 'docker-init'],
    [['/usr/bin/dumb-init', 'x'], 'dumb-init', 'dumb-init', 'dumb-init'],
    [['catatonit', '--', 'x'], 'catatonit', 'catatonit', 'catatonit'],
    [['/bin/sh', '-c', 'x'], 'sh', 'shell', '/bin/sh'],
    [['sh', '/entrypoint.sh'], 'sh', 'shell', 'sh'],
    [['bash', '-c', 'x'], 'bash', 'shell', 'bash'],
    [['-bash'], 'bash', 'shell', 'bash'],
    [['/bin/ash'], 'ash', 'shell', '/bin/ash'],
    [['dash'], 'dash', 'shell', 'dash'],
    [['/bin/busybox', 'sh', '-c', 'x'], 'busybox', 'shell', 'busybox sh'],
    [['busybox', 'init'], 'busybox', 'app', 'busybox init'],
    [['bun', 'server.ts'], 'bun', 'app', 'bun'],
    [['zsh'], 'zsh', 'shell', 'zsh'],
    [['/entrypoint.sh'], 'entrypoint.sh', 'app', 'entrypoint.sh'],
    [['python3', 'app.py'], 'python3', 'python', 'python3'],
    [['/usr/bin/python3.11', '-u', 'app.py'], 'python3.11', 'python', 'python3.11'],
    [['/usr/bin/python3', '/usr/bin/supervisord', '-n'], 'supervisord', 'supervisord', 'supervisord'],
    [['/usr/bin/supervisord', '-n'], 'supervisord', 'supervisord', 'supervisord'],
    [['java', '-jar', 'app.jar'], 'java', 'java', 'java'],
    [['/lib/systemd/systemd'], 'systemd', 'systemd', 'systemd'],
    [['/sbin/init'], 'systemd', 'systemd', 'systemd'],
    [['s6-svscan', '-t0', '/var/run/s6/services'], 's6-svscan', 's6-svscan', 's6-svscan'],
    [['runsvdir', '-P', '/etc/service'], 'runsvdir', 'runsvdir', 'runsvdir'],
    [['sleep', '5'], 'sleep', 'app', 'sleep'],
    [[], 'kthreadd', 'app', 'kthreadd'],
  ];
  for (const [argv, comm, kind, name] of rows) {
    assert.deepEqual(classifyProgram(argv, comm), { kind, name }, argv.join(' '));
  }
  // process.title hides node from argv and comm, not from /proc/PID/exe
  assert.deepEqual(classifyProgram(['my-api'], 'my-api', '/usr/local/bin/node'), { kind: 'node', name: 'my-api' });
  assert.deepEqual(classifyProgram(['my-api'], 'my-api', '/usr/bin/my-api'), { kind: 'app', name: 'my-api' });
  assert.deepEqual(classifyProgram(['sh', '-c', 'x'], 'sh', '/usr/bin/dash'), { kind: 'shell', name: 'sh' });
});

test('judgeSignal: would SIGTERM / SIGINT be dropped?', () => {
  type Row = [string, ProcessFacts, number, boolean | null, string];
  const rows: Row[] = [
    ['sh PID 1: TERM default', facts(['sh', '-c', 'x'], MASKS.sh), 15, true, 'default'],
    ['sh PID 1 with a trap', facts(['sh', '-c', 'x'], MASKS.shTrap), 15, false, 'caught'],
    ['sh PID 1 with trap "" TERM', facts(['sh', '-c', 'x'], MASKS.shIgnTerm), 15, true, 'ignored'],
    ['bare node PID 1: Node\'s own handler', facts(['node', 'a.js'], MASKS.node), 15, null, 'caught'],
    ['bare node PID 1: SIGINT too', facts(['node', 'a.js'], MASKS.node), 2, null, 'caught'],
    ['node not PID 1: ends it', facts(['node', 'a.js'], MASKS.node, { isNamespaceInit: false, pid: 40, nsPid: 40 }), 15, false, 'caught'],
    ['python PID 1: TERM default', facts(['python3', 'a.py'], MASKS.python), 15, true, 'default'],
    ['python PID 1: INT raises KeyboardInterrupt', facts(['python3', 'a.py'], MASKS.python), 2, false, 'caught'],
    ['java PID 1: shutdown hooks', facts(['java', '-jar', 'a.jar'], MASKS.java), 15, false, 'caught'],
    ['tini in sigtimedwait', facts(['tini', '--', 'x'], MASKS.tini, { wchan: 'do_sigtimedwait.isra.0' }), 15, false, 'default'],
    ['tini between waits', facts(['tini', '--', 'x'], MASKS.tiniBetweenWaits), 15, false, 'blocked'],
    ['dumb-init', facts(['dumb-init', 'x'], MASKS.dumbInit), 15, false, 'caught'],
    ['catatonit', facts(['catatonit', '--', 'x'], MASKS.catatonit, { signalfd: decodeSigMask('fffffffe3ffbfa07') }), 15, false, 'blocked'],
    ['pidone', facts(['node', 'dist/pidone.js', '--', 'x'], MASKS.pidone), 15, false, 'caught'],
    ['app with TERM blocked and read from a signalfd', facts(['app'], MASKS.blockedTerm, { signalfd: [15] }), 15, false, 'blocked'],
    ['app with TERM blocked, no signalfd', facts(['app'], MASKS.blockedTerm), 15, null, 'blocked'],
    ['unknown app in sigtimedwait', facts(['app'], MASKS.none, { wchan: 'do_sigtimedwait' }), 15, null, 'default'],
    ['app not PID 1: default ends it', facts(['sleep', '9'], MASKS.none, { isNamespaceInit: false, pid: 9, nsPid: 9 }), 15, false, 'default'],
    ['app not PID 1 ignoring TERM', facts(['app'], MASKS.shIgnTerm, { isNamespaceInit: false, pid: 9, nsPid: 9 }), 15, true, 'ignored'],
  ];
  rows.push(['node app with a process.title, PID 1', facts(['my-api'], MASKS.node, { exe: '/usr/local/bin/node' }), 15, null, 'caught']);
  for (const [label, f, sig, dropped, disposition] of rows) {
    const fate = judgeSignal(sig, f, classifyProgram(f.argv, f.comm, f.exe));
    assert.equal(fate.dropped, dropped, label);
    assert.equal(fate.disposition, disposition, label);
    assert.ok(fate.why.length > 0, label);
  }
});

test('verdict per kind of PID 1', () => {
  type Row = [string, ProcessFacts, InitKind, Level, RegExp];
  const rows: Row[] = [
    ['pidone', facts(['node', '/app/dist/pidone.js', '--', 'node', 's.js'], MASKS.pidone), 'pidone', 'ok', /^PID 1 is pidone: it reaps zombies, forwards signals and stops the whole process tree/],
    ['tini', facts(['tini', '--', 'x'], MASKS.tini, { wchan: 'do_sigtimedwait.isra.0' }), 'tini', 'ok', /^PID 1 is tini: it reaps zombies and forwards signals$/],
    ['dumb-init', facts(['dumb-init', 'x'], MASKS.dumbInit), 'dumb-init', 'ok', /reaps zombies and forwards signals/],
    ['catatonit', facts(['catatonit', '--', 'x'], MASKS.catatonit), 'catatonit', 'ok', /reaps zombies and forwards signals/],
    ['sh', facts(['/bin/sh', '-c', 'x'], MASKS.sh), 'shell', 'bad', /^PID 1 is \/bin\/sh: it reaps zombies but does not forward SIGTERM; put `pidone --` in ENTRYPOINT/],
    ['sh with a trap', facts(['/bin/sh', '/entry.sh'], MASKS.shTrap), 'shell', 'warn', /forwards no signal/],
    ['bash ignoring TERM', facts(['bash', '-c', 'x'], MASKS.shIgnTerm), 'shell', 'bad', /does not forward SIGTERM/],
    ['node', facts(['node', 'server.js'], MASKS.node), 'node', 'warn', /^PID 1 is node: SIGTERM is dropped unless the app listens for it, and applications usually do not reap/],
    ['node with zombies', facts(['node', 'server.js'], MASKS.node, { zombies: { count: 3, scope: 'namespace', byParent: [{ ppid: 1, parentCommand: 'node server.js', pids: [5, 6, 7] }] } }), 'node', 'bad', /it does not reap orphans \(3 zombie\(s\) now\)/],
    ['python', facts(['python3', 'app.py'], MASKS.python), 'python', 'bad', /^PID 1 is python3: SIGTERM will be dropped/],
    ['java', facts(['java', '-jar', 'a.jar'], MASKS.java), 'java', 'warn', /^PID 1 is java: it handles SIGTERM itself, but applications usually do not reap/],
    ['sleep', facts(['sleep', '5'], MASKS.none), 'app', 'bad', /^PID 1 is sleep: SIGTERM will be dropped/],
    ['pm2-runtime', facts(['node', '/usr/bin/pm2-runtime', 'a.js'], MASKS.node), 'pm2-runtime', 'bad', /does not reap orphans/],
    ['systemd', facts(['/lib/systemd/systemd'], MASKS.dumbInit), 'systemd', 'ok', /reaps zombies/],
    ['s6-svscan', facts(['s6-svscan', '/run/service'], MASKS.dumbInit), 's6-svscan', 'ok', /supervises/],
    ['supervisord', facts(['/usr/bin/python3', '/usr/bin/supervisord'], MASKS.java), 'supervisord', 'ok', /supervises its programs/],
    ['runsvdir', facts(['runsvdir', '/etc/service'], MASKS.dumbInit), 'runsvdir', 'ok', /supervises/],
  ];
  for (const [label, f, kind, level, summary] of rows) {
    const d = diagnose(f);
    assert.equal(d.program.kind, kind, label);
    assert.equal(d.verdict.level, level, `${label}: ${d.verdict.summary}`);
    assert.match(d.verdict.summary, summary, label);
    assert.ok(!d.verdict.summary.includes('\n'), label);
  }
  // the notes that make a verdict concrete
  assert.ok(diagnose(facts(['tini', '--', 'x'], MASKS.tini)).verdict.advice.some((a) => /graceful stop of the whole tree/.test(a)));
  assert.ok(diagnose(facts(['/lib/systemd/systemd'], MASKS.dumbInit)).verdict.advice.some((a) => /STOPSIGNAL SIGRTMIN\+3/.test(a)));
  assert.ok(diagnose(facts(['runsvdir', '/etc/service'], MASKS.dumbInit)).verdict.advice.some((a) => /SIGHUP/.test(a)));
  assert.ok(diagnose(facts(['sh', '-c', 'x'], { ...MASKS.sh, ign: '0000000000000002' })).verdict.advice.some((a) => /SIGINT\) is dropped too/.test(a)));
});

test('verdict when the process is not PID 1 of its namespace', () => {
  const notInit = { isNamespaceInit: false, pid: 4242, nsPid: 7, ppid: 1 };
  type Row = [string, ProcessFacts, Level, RegExp];
  const rows: Row[] = [
    ['pidone', facts(['node', 'dist/pidone.js', '--', 'x'], MASKS.pidone, notInit), 'ok', /is a child subreaper/],
    ['tini without -s', facts(['tini', '--', 'x'], MASKS.tini, notInit), 'warn', /not a subreaper: orphans of its child escape/],
    ['tini -s', facts(['tini', '-s', '--', 'x'], MASKS.tini, notInit), 'ok', /forwards signals/],
    ['tini, TINI_SUBREAPER', facts(['tini', '--', 'x'], MASKS.tini, { ...notInit, tiniSubreaperEnv: true }), 'ok', /forwards signals/],
    ['dumb-init', facts(['dumb-init', 'x'], MASKS.dumbInit, notInit), 'warn', /not a subreaper/],
    ['catatonit', facts(['catatonit', '--', 'x'], MASKS.catatonit, notInit), 'ok', /forwards signals/],
    ['a shell', facts(['sh', '-c', 'x; y'], MASKS.sh, notInit), 'warn', /ends the shell but not its children/],
    ['an app', facts(['node', 'server.js'], MASKS.node, notInit), 'ok', /^pid 4242 \(node\) is not PID 1 of its namespace/],
  ];
  for (const [label, f, level, summary] of rows) {
    const d = diagnose(f);
    assert.equal(d.verdict.level, level, `${label}: ${d.verdict.summary}`);
    assert.match(d.verdict.summary, summary, label);
  }
});

test('subreaper: honest about what /proc cannot show', () => {
  const notInit = { isNamespaceInit: false, pid: 50, nsPid: 50 };
  const rows: Array<[string, ProcessFacts, string]> = [
    ['PID 1', facts(['sh'], MASKS.sh), 'n/a'],
    ['pidone', facts(['node', 'dist/pidone.js', 'x'], MASKS.pidone, notInit), 'yes'],
    ['catatonit', facts(['catatonit', 'x'], MASKS.catatonit, notInit), 'yes'],
    ['tini -s', facts(['tini', '-s', 'x'], MASKS.tini, notInit), 'yes'],
    ['tini -vs', facts(['tini', '-vs', '--', 'x'], MASKS.tini, notInit), 'yes'],
    ['tini, child has -s', facts(['tini', '--', 'x', '-s'], MASKS.tini, notInit), 'no'],
    ['tini, env unreadable', facts(['tini', 'x'], MASKS.tini, { ...notInit, tiniSubreaperEnv: null }), 'unknown'],
    ['dumb-init', facts(['dumb-init', 'x'], MASKS.dumbInit, notInit), 'no'],
    ['anything else', facts(['bash'], MASKS.sh, notInit), 'unknown'],
  ];
  for (const [label, f, want] of rows) {
    const s = judgeSubreaper(f, classifyProgram(f.argv, f.comm));
    assert.equal(s.value, want, label);
    assert.ok(s.why.length > 0, label);
  }
  assert.match(judgeSubreaper(facts(['bash'], MASKS.sh, notInit), { kind: 'shell', name: 'bash' }).why, /PR_GET_CHILD_SUBREAPER/);
});

test('hasTiniFlag reads only tini\'s own options', () => {
  const rows: Array<[string[], boolean]> = [
    [['tini', '-s', '--', 'x'], true], [['tini', '-gs', 'x'], true], [['tini', '-vvs', 'x'], true],
    [['tini', '--', '-s'], false], [['tini', 'x', '-s'], false], [['tini', '-p', 's', 'x'], false],
    [['tini', '-ps', 'x'], false], [['tini', '-e', '143', '-s', 'x'], true], [['tini'], false],
  ];
  for (const [argv, want] of rows) assert.equal(hasTiniFlag(argv, 's'), want, argv.join(' '));
});

test('zombies and pids push the level up and explain themselves', () => {
  const zombies = { count: 4, scope: 'namespace' as const, byParent: [
    { ppid: 1, parentCommand: 'node dist/pidone.js -- x', pids: [10, 11, 12] },
    { ppid: 7, parentCommand: 'python3 worker.py', pids: [20] },
  ] };
  const d = diagnose(facts(['node', 'dist/pidone.js', '--', 'x'], MASKS.pidone, { zombies }));
  assert.equal(d.verdict.level, 'warn');
  assert.ok(d.verdict.advice.some((a) => /^3 zombie\(s\), children of PID 1 \(pidone\): it reaps them on its next turn/.test(a)), d.verdict.advice.join('\n'));
  assert.ok(d.verdict.advice.some((a) => /^1 zombie\(s\), children of pid 7 \(python3 worker\.py\): their parent is alive and has not waited/.test(a)));

  const pidsRows: Array<[number, number, Level]> = [[10, 1000, 'ok'], [80, 100, 'ok'], [81, 100, 'warn'], [100, 100, 'warn'], [5, 5, 'warn']];
  for (const [current, max, level] of pidsRows) {
    const f = facts(['tini', '--', 'x'], MASKS.tini, { pids: { version: 'v1', cgroup: '/c', current, max, limit: { cgroup: '/c', current, max }, note: null } });
    const v = diagnose(f).verdict;
    assert.equal(v.level, level, `${current}/${max}`);
    if (level === 'warn') assert.ok(v.advice.some((a) => a.startsWith(`pids.current ${current} of pids.max ${max} in cgroup /c`)));
  }
  const noLimit = facts(['tini', '--', 'x'], MASKS.tini, { pids: { version: null, cgroup: null, current: null, max: null, limit: null, note: 'no pids controller' } });
  assert.equal(diagnose(noLimit).verdict.level, 'ok');
  // the bad of a shell stays bad with zombies added
  assert.equal(diagnose(facts(['sh'], MASKS.sh, { zombies })).verdict.level, 'bad');
});

test('exit codes: 0 ok, 3 warn, 4 bad', () => {
  assert.deepEqual(DOCTOR_EXIT, { ok: 0, warn: 3, bad: 4 });
  const f = facts(['sh', '-c', 'x'], MASKS.sh);
  assert.equal(buildReport(f, diagnose(f)).exitCode, 4);
});

test('parseDoctorArgs: [PID] [--json]', () => {
  const rows: Array<[string[], unknown]> = [
    [[], { kind: 'inspect', pid: 1, json: false }],
    [['--json'], { kind: 'inspect', pid: 1, json: true }],
    [['42'], { kind: 'inspect', pid: 42, json: false }],
    [['42', '--json'], { kind: 'inspect', pid: 42, json: true }],
    [['--json', '42'], { kind: 'inspect', pid: 42, json: true }],
    [['-h'], { kind: 'help' }],
    [['--help'], { kind: 'help' }],
  ];
  for (const [args, want] of rows) assert.deepEqual(parseDoctorArgs(args), want, args.join(' '));
  for (const bad of [['abc'], ['0'], ['-1'], ['1', '2'], ['--jsn'], ['1.5'], ['99999999999999999999']]) {
    const r = parseDoctorArgs(bad);
    assert.equal(r.kind, 'usage-error', bad.join(' '));
    assert.ok(!(r as { message: string }).message.includes('\n'));
  }
});

test('report: signal lists, pids line, aligned text', () => {
  assert.equal(formatSignalList([]), '-');
  assert.equal(formatSignalList([2, 15]), 'INT TERM');
  assert.equal(formatSignalList(decodeSigMask('ffffffff3bcbfe07')), 'HUP INT QUIT USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT TSTP URG XCPU XFSZ VTALRM WINCH IO PWR 33 RTMIN..RTMIN+30');
  assert.equal(formatSignalList([34, 35]), 'RTMIN RTMIN+1');
  assert.equal(formatPids({ version: 'v2', cgroup: '/c', current: 12, max: 500, limit: { cgroup: '/c', current: 12, max: 500 }, note: null }), '12 of 500 (2%) in cgroup /c (v2)');
  assert.equal(formatPids({ version: 'v2', cgroup: '/c/d', current: 3, max: 'max', limit: { cgroup: '/c', current: 90, max: 100 }, note: null }), '3, no limit here in cgroup /c/d (v2); tightest limit: 90 of 100 (90%) in /c');
  assert.match(formatPids({ version: 'v1', cgroup: '/', current: null, max: null, limit: null, note: 'the root cgroup has no pids.current or pids.max' }), /^unknown in cgroup \/ \(v1\): the root cgroup/);

  const f = facts(['/bin/sh', '-c', 'x'], MASKS.sh);
  const text = renderText(f, diagnose(f));
  const lines = text.trimEnd().split('\n');
  const keyed = lines.slice(0, lines.indexOf(''));
  const col = keyed[0]!.indexOf('1 (PID 1');
  for (const l of keyed) assert.match(l.slice(0, col), /^[\w.]+: +$/, l); // every value starts in the same column
  assert.ok(keyed.some((l) => /^SIGTERM: +DROPPED \(default\)/.test(l)));
  assert.match(lines.find((l) => l.startsWith('verdict: '))!, /^verdict: BAD: PID 1 is \/bin\/sh/);
  assert.ok(lines.some((l) => l.startsWith('  - ')));
});
