// The control socket's protocol: one JSON request per line, one JSON reply per
// line. Rendering and exit codes of the client commands live here too. Pure.

export type Request =
  | { cmd: 'status' }
  | { cmd: 'ps' }
  | { cmd: 'restart' | 'stop' | 'start'; service: string }
  | { cmd: 'signal'; service: string; signal: number };

export interface ServiceStatus {
  name: string;
  state: string;            // waiting, starting, running, stopping, backoff, exited, failed, stopped
  pid: number | null;
  uptimeMs: number | null;
  restarts: number;
  lastExit: string | null;  // "code 3", "SIGKILL"
  ready: boolean;
  required: boolean;
}

export type Reply =
  | { ok: true; kind: 'status'; mode: 'single' | 'supervisor'; stopping: boolean; services: ServiceStatus[] }
  | { ok: true; kind: 'groups'; initPid: number; groups: Array<{ service: string; pgid: number }> }
  | { ok: true; kind: 'done'; message: string }
  | { ok: false; error: string };

export function parseRequest(line: string): Request | null {
  let v: unknown;
  try { v = JSON.parse(line); } catch { return null; }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  switch (r.cmd) {
    case 'status': case 'ps': return { cmd: r.cmd };
    case 'restart': case 'stop': case 'start':
      return typeof r.service === 'string' ? { cmd: r.cmd, service: r.service } : null;
    case 'signal':
      return typeof r.service === 'string' && Number.isInteger(r.signal) ? { cmd: 'signal', service: r.service, signal: r.signal as number } : null;
    default: return null;
  }
}

// Healthy: every required service is running and ready, and no stop has begun.
export function isHealthy(status: Extract<Reply, { kind: 'status' }>): boolean {
  return !status.stopping && status.services.every((s) => !s.required || (s.state === 'running' && s.ready) || isCompletedOneshot(s));
}

function isCompletedOneshot(s: ServiceStatus): boolean {
  return s.state === 'exited' && s.lastExit === 'completed';
}

export function renderStatus(status: Extract<Reply, { kind: 'status' }>): string {
  const header = ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'READY'];
  const rows = status.services.map((s) => [
    s.name, s.state, s.pid === null ? '-' : String(s.pid), s.uptimeMs === null ? '-' : formatUptime(s.uptimeMs),
    String(s.restarts), s.lastExit ?? '-', s.ready ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (status.stopping) out.push('(stopping)');
  return `${out.join('\n')}\n`;
}

export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}
