// --health-port: GET /live (pidone's loop answers) and GET /ready (every
// required service is ready; 503 as soon as a stop begins), for Kubernetes
// probes and Docker HEALTHCHECK. Off unless asked for; 127.0.0.1 by default.
import type { Logger } from '../init/log';

export interface HealthServer { close(): void }

export async function startHealthServer(host: string, port: number, isReady: () => boolean, log: Logger): Promise<HealthServer | null> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require('node:http') as typeof import('node:http');
  const server = http.createServer((req, res) => {
    const route = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405).end(); return; }
    if (route === '/live') { res.writeHead(200, { 'content-type': 'text/plain' }).end('live\n'); return; }
    if (route === '/ready') {
      const ok = isReady();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('routes: /live /ready\n');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    log.log('warn', `cannot serve health checks on ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return null;
  }
  server.unref();
  return { close() { server.close(); } };
}
