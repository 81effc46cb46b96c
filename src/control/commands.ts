// The client side of status, check, ps, restart, stop, start and signal.
import { readFileSync, writeSync } from 'node:fs';
import type { ControlOptions } from '../cli/args';
import { EXIT_UNHEALTHY, EXIT_UNREACHABLE } from '../core/exit-codes';
import { makeLogger } from '../init/log';
import { listPids, readCommandLine, readProcInfo } from '../init/procfs';
import { sendRequest } from './client';
import { isHealthy, renderStatus, type Request } from './protocol';
import { chooseSocketPath } from './socket-path';

export async function runControl(o: ControlOptions): Promise<number> {
  const path = chooseSocketPath(process.env, o.socket);
  const c = o.command;
  const req: Request = c.cmd === 'status' || c.cmd === 'check' ? { cmd: 'status' } : c.cmd === 'ps' ? { cmd: 'ps' } : c;
  const res = await sendRequest(path, req);
  if (res.kind === 'error') {
    if (c.cmd === 'ps') return printTree(1, [], c.json, `(${res.message}; services are not labelled)`);
    fail(res.message);
    return EXIT_UNREACHABLE;
  }
  const reply = res.reply;
  if (!reply.ok) { fail(reply.error); return EXIT_UNHEALTHY; }
  switch (c.cmd) {
    case 'status': {
      if (reply.kind !== 'status') return unexpected();
      out(c.json ? `${JSON.stringify({ mode: reply.mode, stopping: reply.stopping, healthy: isHealthy(reply), services: reply.services })}\n` : renderStatus(reply));
      return isHealthy(reply) ? 0 : EXIT_UNHEALTHY;
    }
    case 'check':
      if (reply.kind !== 'status') return unexpected();
      return c.what === 'live' || isHealthy(reply) ? 0 : EXIT_UNHEALTHY;
    case 'ps':
      if (reply.kind !== 'groups') return unexpected();
      return printTree(reply.initPid, reply.groups, c.json, null);
    default:
      if (reply.kind !== 'done') return unexpected();
      out(`${reply.message}\n`);
      return 0;
  }
}

interface Row { pid: number; ppid: number; state: string; user: string; service: string | null; command: string; depth: number }

// The process tree below pidone (as seen from this PID namespace), with each
// service's process group labelled and zombies flagged.
function printTree(rootPid: number, groups: Array<{ service: string; pgid: number }>, json: boolean, note: string | null): number {
  const byPgid = new Map(groups.map((g) => [g.pgid, g.service]));
  const infos = new Map<number, { ppid: number; state: string; pgid: number; uid: number }>();
  for (const pid of listPids()) {
    const info = readProcInfo(pid);
    if (!info || info.kernelThread) continue;
    infos.set(pid, { ppid: info.ppid, state: info.state, pgid: readPgid(pid), uid: readUid(pid) });
  }
  const kids = new Map<number, number[]>();
  for (const [pid, i] of infos) { const l = kids.get(i.ppid) ?? []; l.push(pid); kids.set(i.ppid, l); }
  const users = readUserNames();
  const rows: Row[] = [];
  const walk = (pid: number, depth: number): void => {
    const i = infos.get(pid);
    if (!i) return;
    rows.push({ pid, ppid: i.ppid, state: i.state, user: users.get(i.uid) ?? String(i.uid), service: byPgid.get(i.pgid) ?? null, command: readCommandLine(pid), depth });
    for (const k of (kids.get(pid) ?? []).sort((a, b) => a - b)) walk(k, depth + 1);
  };
  walk(rootPid, 0);
  if (json) { out(`${JSON.stringify(rows.map(({ depth: _d, ...r }) => ({ ...r, zombie: r.state === 'Z' })))}\n`); return 0; }
  const lines = [['PID', 'PPID', 'STAT', 'USER', 'SERVICE', 'COMMAND']];
  for (const r of rows) lines.push([String(r.pid), String(r.ppid), r.state === 'Z' ? 'Z zombie' : r.state, r.user, r.service ?? '-', `${'  '.repeat(r.depth)}${r.command}`]);
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  out(`${lines.map((l) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n')}\n`);
  if (note) out(`${note}\n`);
  return 0;
}

function readPgid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch { return -1; }
}

function readUid(pid: number): number {
  try { return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? -1); } catch { return -1; }
}

function readUserNames(): Map<number, string> {
  const m = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3) m.set(Number(f[2]), f[0]!);
    }
  } catch { /* numeric ids then */ }
  return m;
}

function unexpected(): number {
  fail('unexpected reply from pidone');
  return EXIT_UNREACHABLE;
}

function out(text: string): void { writeSync(1, text); }
function fail(message: string): void { makeLogger(1).error(message); }

