// pidone status / restart / stop / start / signal / check: one request over the
// control socket, one reply.
import { createConnection } from 'node:net';
import type { Reply, Request } from './protocol';

export type ClientResult = { kind: 'reply'; reply: Reply } | { kind: 'error'; message: string };

export function sendRequest(path: string, req: Request, timeoutMs = 5000): Promise<ClientResult> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    let buf = '';
    const t = setTimeout(() => { c.destroy(); resolve({ kind: 'error', message: `no answer from ${path} within ${timeoutMs} ms` }); }, timeoutMs);
    c.setEncoding('utf8');
    c.once('connect', () => c.write(`${JSON.stringify(req)}\n`));
    c.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(t);
      c.destroy();
      try { resolve({ kind: 'reply', reply: JSON.parse(buf.slice(0, nl)) as Reply }); } catch { resolve({ kind: 'error', message: 'malformed reply' }); }
    });
    c.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(t);
      const why = err.code === 'EACCES' ? 'permission denied (the socket is mode 0600: run as the user pidone runs as)'
        : err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'no pidone is listening there (is it running? set PIDONE_SOCKET or --socket)'
          : err.code ?? String(err);
      resolve({ kind: 'error', message: `cannot connect to ${path}: ${why}` });
    });
  });
}
