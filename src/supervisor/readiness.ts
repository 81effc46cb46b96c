// Readiness probes. Polled probes (tcp, http, exec, file) retry every interval;
// channel probes (ipc, notify-fd, sd-notify) wait for the service to speak on
// the fd it was given at spawn. Each calls onReady once, or nothing if cancelled.
import { existsSync } from 'node:fs';
import { Socket, connect } from 'node:net';
import type { Health, Readiness } from '../config/types';
import { closeFd, receiveDatagrams } from '../sys/fd';

export type ReadyChannel =
  | { kind: 'none' }
  | { kind: 'ipc'; fd: number }          // our end of the socket pair (NODE_CHANNEL_FD in the child)
  | { kind: 'notify-fd'; fd: number }    // read end of the s6 notification pipe
  | { kind: 'sd-notify'; fd: number; path: string };

export interface ProbeDeps {
  runCheck(argv: string[], timeoutMs: number): Promise<boolean>; // exec probe, through pidone's own spawn + reaper
}

export interface ProbeHandle { cancel(): void }

const SD_NOTIFY_POLL_MS = 50;
const CHECK_TIMEOUT_MS = 10_000;

export function startProbe(ready: Readiness, channel: ReadyChannel, deps: ProbeDeps, onReady: () => void): ProbeHandle {
  let done = false;
  const fire = (): void => { if (!done) { done = true; cleanup(); onReady(); } };
  let cleanup: () => void = () => undefined;
  const probe = ready.probe;

  switch (probe.kind) {
    case 'tcp':
      cleanup = poll(ready.intervalMs, () => checkTcp(probe.host, probe.port), fire);
      break;
    case 'http':
      cleanup = poll(ready.intervalMs, () => checkHttp(probe.url, probe.expectStatus), fire);
      break;
    case 'exec':
      cleanup = poll(ready.intervalMs, () => deps.runCheck(probe.command, Math.min(CHECK_TIMEOUT_MS, ready.timeoutMs)), fire);
      break;
    case 'file':
      cleanup = poll(ready.intervalMs, () => Promise.resolve(existsSync(probe.path)), fire);
      break;
    case 'ipc':
      if (channel.kind === 'ipc') cleanup = readIpc(channel.fd, fire);
      break;
    case 'notify-fd':
      if (channel.kind === 'notify-fd') cleanup = readNotifyFd(channel.fd, fire);
      break;
    case 'sd-notify':
      if (channel.kind === 'sd-notify') {
        const t = setInterval(() => {
          if (receiveDatagrams(channel.fd).some((m) => m.split('\n').includes('READY=1'))) fire();
        }, SD_NOTIFY_POLL_MS);
        cleanup = () => clearInterval(t);
      }
      break;
  }
  return { cancel() { done = true; cleanup(); } };
}

// One liveness check (health:), with its own timeout.
export function checkOnce(probe: Health['probe'], deps: ProbeDeps, timeoutMs: number): Promise<boolean> {
  const check = ((): Promise<boolean> => {
    switch (probe.kind) {
      case 'tcp': return checkTcp(probe.host, probe.port);
      case 'http': return checkHttp(probe.url, probe.expectStatus);
      case 'exec': return deps.runCheck(probe.command, timeoutMs);
      case 'file': return Promise.resolve(existsSync(probe.path));
    }
  })();
  return Promise.race([check, new Promise<boolean>((r) => { setTimeout(() => r(false), timeoutMs).unref(); })]);
}

function poll(intervalMs: number, check: () => Promise<boolean>, fire: () => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const once = (): void => {
    check().then((ok) => {
      if (stopped) return;
      if (ok) fire(); else timer = setTimeout(once, intervalMs);
    }, () => { if (!stopped) timer = setTimeout(once, intervalMs); });
  };
  once();
  return () => { stopped = true; if (timer) clearTimeout(timer); };
}

function checkTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const end = (ok: boolean): void => { s.destroy(); resolve(ok); };
    s.setTimeout(2000, () => end(false));
    s.once('connect', () => end(true));
    s.once('error', () => end(false));
  });
}

function checkHttp(url: string, range: [number, number]): Promise<boolean> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require('node:http') as typeof import('node:http');
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= range[0] && code <= range[1]);
    });
    req.once('timeout', () => { req.destroy(); resolve(false); });
    req.once('error', () => resolve(false));
  });
}

// Node's IPC channel (json serialization): one JSON value per line. The socket
// stays open after 'ready' so later process.send() calls never block the service.
function readIpc(fd: number, fire: () => void): () => void {
  const sock = new Socket({ fd, readable: true, writable: true });
  let buf = '';
  sock.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (isReadyMessage(line)) fire();
    }
  });
  sock.on('error', () => sock.destroy());
  sock.on('end', () => sock.destroy()); // the service exited: release the fd
  sock.unref();
  return () => undefined;
}

function isReadyMessage(line: string): boolean {
  try {
    const msg = JSON.parse(line) as unknown;
    return msg === 'ready' || (typeof msg === 'object' && msg !== null && ((msg as { ready?: unknown }).ready === true || (msg as { status?: unknown }).status === 'ready'));
  } catch {
    return false;
  }
}

// s6: the service writes a newline to fd N when it is ready, then closes it.
function readNotifyFd(fd: number, fire: () => void): () => void {
  const sock = new Socket({ fd, readable: true, writable: false });
  sock.on('data', (d: Buffer) => { if (d.includes(10)) fire(); });
  sock.on('error', () => sock.destroy());
  sock.on('end', () => sock.destroy());
  sock.unref();
  return () => { sock.destroy(); };
}

export function closeChannel(channel: ReadyChannel): void {
  if (channel.kind === 'sd-notify') closeFd(channel.fd);
}
