import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cgroupDir, decodeSigMask, parseCgroupFile, parseCgroupMounts, parseCmdline, parsePidsValue,
  parseSignalfdMasks, parseStatus, type CgroupMount,
} from '../../src/doctor/inspect';
import { nameSignal } from '../../src/core/signals';

const names = (sigs: number[]): string[] => sigs.map(nameSignal);

test('decodeSigMask: bit N-1 is signal N', () => {
  const rows: Array<[string, number[]]> = [
    ['0000000000000000', []],
    ['0000000000000001', [1]],
    ['0000000000004000', [15]],
    ['0000000000000002', [2]],
    ['0000000000004602', [2, 10, 11, 15]],              // a bare node: INT USR1 SEGV TERM
    ['0000000100004602', [2, 10, 11, 15, 33]],          // ... and glibc's internal 33
    ['0000000001001000', [13, 25]],                     // PIPE XFSZ, what Node ignores
    ['0000000000300000', [21, 22]],                     // TTIN TTOU
    ['8000000000000000', [64]],
    ['0000000200000000', [34]],
    ['4602', [2, 10, 11, 15]],                          // short masks work too
    ['  0000000000004000\n', [15]],
    ['', []], ['zz', []], ['0x4000', []],
  ];
  for (const [hex, want] of rows) assert.deepEqual(decodeSigMask(hex), want, JSON.stringify(hex));
  const all = decodeSigMask('ffffffffffffffff');
  assert.equal(all.length, 64);
  assert.deepEqual([all[0], all[63]], [1, 64]);
});

test('decodeSigMask names via nameSignal', () => {
  const rows: Array<[string, string[]]> = [
    ['0000000000004602', ['SIGINT', 'SIGUSR1', 'SIGSEGV', 'SIGTERM']],
    ['0000000000010000', ['SIGCHLD']],
    ['0000000600000000', ['SIGRTMIN', 'SIGRTMIN+1']],
    ['0000000180000000', ['signal 32', 'signal 33']],
  ];
  for (const [hex, want] of rows) assert.deepEqual(names(decodeSigMask(hex)), want, hex);
});

const CATATONIT_STATUS = `Name:\tcatatonit
Umask:\t0022
State:\tS (sleeping)
Tgid:\t22465
Ngid:\t0
Pid:\t22465
PPid:\t22464
NStgid:\t22465\t1
NSpid:\t22465\t1
NSpgid:\t22464\t0
SigQ:\t0/96364
SigPnd:\t0000000000000000
ShdPnd:\t0000000000000000
SigBlk:\tfffffffe3ffbfa07
SigIgn:\t0000000000000000
SigCgt:\t0000000000000000
`;

const OLD_KERNEL_STATUS = 'Name:\tsh\nState:\tZ (zombie)\nPPid:\t7\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000010000\n';

test('parseStatus reads name, state, ppid, NSpid and the three masks', () => {
  assert.deepEqual(parseStatus(CATATONIT_STATUS), {
    name: 'catatonit', state: 'S', ppid: 22464, nspid: [22465, 1],
    sigBlk: 'fffffffe3ffbfa07', sigIgn: '0000000000000000', sigCgt: '0000000000000000',
  });
  const old = parseStatus(OLD_KERNEL_STATUS);
  assert.deepEqual(old.nspid, []);
  assert.equal(old.state, 'Z');
  assert.equal(old.ppid, 7);
  assert.deepEqual(decodeSigMask(old.sigCgt), [17]);
  assert.deepEqual(parseStatus('NSpid:\t1\n').nspid, [1]);
  assert.equal(parseStatus('').sigCgt, '0');
});

test('parseCmdline splits on NUL and keeps empty arguments inside', () => {
  const rows: Array<[string, string[]]> = [
    ['', []],
    ['sleep\x005\x00', ['sleep', '5']],
    ['sh\x00-c\x00echo a b\x00', ['sh', '-c', 'echo a b']],
    ['x\x00\x00y\x00', ['x', '', 'y']],
    ['no-trailing-nul', ['no-trailing-nul']],
    ['my-api\x00\x00\x00\x00\x00\x00', ['my-api']],   // process.title pads with NULs
    ['\x00\x00', []],
  ];
  for (const [raw, want] of rows) assert.deepEqual(parseCmdline(raw), want, JSON.stringify(raw));
});

test('parseCgroupFile finds the v1 pids hierarchy and the v2 path', () => {
  const rows: Array<[string, { v1Pids: string | null; v2: string | null }]> = [
    ['0::/\n', { v1Pids: null, v2: '/' }],
    ['0::/system.slice/docker-abc.scope\n', { v1Pids: null, v2: '/system.slice/docker-abc.scope' }],
    ['9:name=systemd:/\n8:pids:/docker/abc\n4:memory:/x\n0::/\n', { v1Pids: '/docker/abc', v2: '/' }],
    ['5:cpu,pids:/a\n', { v1Pids: '/a', v2: null }],
    ['3:pidsx:/no\n', { v1Pids: null, v2: null }],
    ['', { v1Pids: null, v2: null }],
    ['0::/with:colon\n', { v1Pids: null, v2: '/with:colon' }],
  ];
  for (const [text, want] of rows) assert.deepEqual(parseCgroupFile(text), want, JSON.stringify(text));
});

const MOUNTINFO = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 30 0:35 /docker/abc /sys/fs/cgroup/pids ro,relatime - cgroup cgroup rw,pids
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
41 22 0:38 / /mnt/with\\040space rw - cgroup2 cgroup2 rw
`;

test('parseCgroupMounts: the pids v1 mount and every cgroup2 mount, with their roots', () => {
  assert.deepEqual(parseCgroupMounts(MOUNTINFO), [
    { version: 'v1', root: '/docker/abc', mountPoint: '/sys/fs/cgroup/pids' },
    { version: 'v2', root: '/', mountPoint: '/sys/fs/cgroup/unified' },
    { version: 'v2', root: '/', mountPoint: '/mnt/with space' },
  ]);
  assert.deepEqual(parseCgroupMounts(''), []);
});

test('cgroupDir maps a cgroup path under a mount, or null when the mount does not show it', () => {
  const v2: CgroupMount = { version: 'v2', root: '/', mountPoint: '/sys/fs/cgroup' };
  const v1: CgroupMount = { version: 'v1', root: '/docker/abc', mountPoint: '/sys/fs/cgroup/pids' };
  const rows: Array<[CgroupMount, string, string | null]> = [
    [v2, '/', '/sys/fs/cgroup'],
    [v2, '/a/b', '/sys/fs/cgroup/a/b'],
    [v1, '/docker/abc', '/sys/fs/cgroup/pids'],
    [v1, '/docker/abc/inner', '/sys/fs/cgroup/pids/inner'],
    [v1, '/docker/abcd', null],
    [v1, '/other', null],
  ];
  for (const [m, path, want] of rows) assert.equal(cgroupDir(m, path), want, `${m.root} ${path}`);
});

test('parsePidsValue', () => {
  const rows: Array<[string | null, number | 'max' | null]> = [
    ['max\n', 'max'], ['100\n', 100], ['0', 0], [null, null], ['', null], ['-1', null], ['12abc', null],
  ];
  for (const [text, want] of rows) assert.equal(parsePidsValue(text), want, JSON.stringify(text));
});

test('parseSignalfdMasks: the union of the sigmask lines', () => {
  const fd = (mask: string): string => `pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1036\nsigmask:\t${mask}\n`;
  const rows: Array<[string[], number[]]> = [
    [[], []],
    [[fd('0000000000004000')], [15]],
    [[fd('0000000000004000'), fd('0000000000000002')], [2, 15]],
    [[fd('0000000000004002'), fd('0000000000004000')], [2, 15]],
    [['pos:\t0\nflags:\t02\n'], []],
  ];
  for (const [infos, want] of rows) assert.deepEqual(parseSignalfdMasks(infos), want);
});
