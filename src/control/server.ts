// The control socket: a unix socket, mode 0600, answering one JSON line per
// request. Never fatal: if it cannot listen, pidone warns and goes on.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { loadBinding } from '../init/binding';
import type { Logger } from '../init/log';
import { closeFd, isListening, listenUnixSocket } from '../sys/fd';
import { parseRequest, type Reply, type Request } from './protocol';

export type Handler = (req: Request) => Reply;

export interface ControlServer { close(): void }

// Single-command mode: the socket is made with koffi and watched by a bare
// libuv pipe handle; node:net (about 4 MB) is loaded only when the first
// client connects, so an idle init stays small and never wakes up for it.
export async function startLazyControlServer(path: string, handle: Handler, log: Logger): Promise<ControlServer | null> {
  if (!claimSocketPath(path, log)) return null;
  const old = process.umask(0o177);
  const sock = listenUnixSocket(path);
  process.umask(old);
  if (sock.kind === 'error') {
    log.log('warn', `cannot listen on control socket ${path}: errno ${sock.errno}; status commands will not work`);
    return null;
  }
  const pipes = loadBinding<PipeBinding>('pipe_wrap');
  if (!pipes) { // a Node without the binding: the same socket through node:net
    const server = serveRequests(handle);
    server.listen({ fd: sock.value });
    server.unref();
    return { close() { server.close(); removeSocketFile(path); } };
  }
  const listener = new pipes.Pipe(pipes.constants.SERVER);
  const opened = listener.open(sock.value);
  const rc = opened !== 0 ? opened : listener.listen(16);
  if (rc !== 0) {
    log.log('warn', `cannot watch control socket ${path}: error ${rc}; status commands will not work`);
    listener.close(); // owns the fd once open() succeeded
    if (opened !== 0) closeFd(sock.value);
    removeSocketFile(path);
    return null;
  }
  listener.onconnection = (status, client) => {
    if (status !== 0 || !client) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Socket } = require('node:net') as typeof import('node:net');
    serveConnection(new Socket({ handle: client } as ConstructorParameters<typeof Socket>[0]), handle);
  };
  listener.unref();
  return { close() { listener.close(); removeSocketFile(path); } };
}

interface PipeHandle {
  open(fd: number): number;
  listen(backlog: number): number;
  onconnection: (status: number, client: unknown) => void;
  unref(): void;
  close(): void;
}

interface PipeBinding {
  Pipe: new (type: number) => PipeHandle;
  constants: { SERVER: number };
}

function serveRequests(handle: Handler): Server {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createServer } = require('node:net') as typeof import('node:net');
  return createServer((conn) => serveConnection(conn, handle));
}

function serveConnection(conn: Socket, handle: Handler): void {
  let buf = '';
  conn.setEncoding('utf8');
  conn.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const req = parseRequest(line);
      const reply: Reply = req ? safely(() => handle(req)) : { ok: false, error: 'bad request' };
      conn.write(`${JSON.stringify(reply)}\n`);
    }
  });
  conn.on('error', () => conn.destroy());
}

export async function startControlServer(path: string, handle: Handler, log: Logger): Promise<ControlServer | null> {
  if (!claimSocketPath(path, log)) return null;
  const server = serveRequests(handle);
  const old = process.umask(0o177); // the socket is created 0600: no window where others may connect
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    log.log('warn', `cannot listen on control socket ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; status commands will not work`);
    return null;
  } finally {
    process.umask(old);
  }
  try { chmodSync(path, 0o600); } catch { /* already 0600 from the umask */ }
  server.unref();
  log.log('debug', `control socket at ${path}`);
  return { close() { server.close(); removeSocketFile(path); } };
}

// Whether this pidone may listen at path: nothing there, or a socket left by a
// pidone that died (removed here). A live socket or any other file is not ours.
function claimSocketPath(path: string, log: Logger): boolean {
  let st;
  try { st = lstatSync(path); } catch { return true; }
  if (!st.isSocket()) {
    log.log('warn', `${path} exists and is not a socket; not touching it (set PIDONE_SOCKET or --socket to another path)`);
    return false;
  }
  if (isListening(path)) {
    log.log('warn', `control socket ${path} is in use by another pidone; set PIDONE_SOCKET to use another path`);
    return false;
  }
  removeSocketFile(path); // a stale socket: its pidone is gone
  return true;
}

function removeSocketFile(path: string): void {
  try { unlinkSync(path); } catch { /* gone */ }
}

function safely(fn: () => Reply): Reply {
  try { return fn(); } catch (err) { return { ok: false, error: err instanceof Error ? err.message : String(err) }; }
}
