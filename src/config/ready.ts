// The `ready:` block of a service: exactly one probe, plus timeout and interval.
import type { Health, ReadyProbe, Readiness } from './types';
import { descend, fail, failType, type Cursor } from './cursor';
import { HEALTH_KEYS, HEALTH_PROBE_KEYS, HTTP_PROBE_KEYS, PROBE_KEYS, READY_KEYS } from './keys';
import { readCommand, readDuration, readFields, readInteger, readOptional, readString, readTrue, type Fields } from './read';
import { formatChoices } from './suggest';

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_INTERVAL_MS = 250;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_STATUS: [number, number] = [200, 399];
const TCP = 'a port number or "host:port"';
const STATUS = 'a status code such as 200, or a range such as "200-299"';

export function readReadiness(c: Cursor, v: unknown): Readiness {
  const fields = readFields(c, v, READY_KEYS);
  return {
    probe: readOneProbe(c, fields, PROBE_KEYS),
    timeoutMs: readOptional(c, fields, 'timeout', (at, x) => readDuration(at, x, 1), DEFAULT_TIMEOUT_MS),
    intervalMs: readOptional(c, fields, 'interval', (at, x) => readDuration(at, x, 1), DEFAULT_INTERVAL_MS),
  };
}

export function readHealth(c: Cursor, v: unknown): Health {
  const fields = readFields(c, v, HEALTH_KEYS);
  return {
    probe: readOneProbe(c, fields, HEALTH_PROBE_KEYS) as Health['probe'],
    intervalMs: readOptional(c, fields, 'interval', (at, x) => readDuration(at, x, 1), 10_000),
    timeoutMs: readOptional(c, fields, 'timeout', (at, x) => readDuration(at, x, 1), 5_000),
    retries: readOptional(c, fields, 'retries', (at, x) => readInteger(at, x, 1, 1000), 3),
  };
}

function readOneProbe(c: Cursor, fields: Fields, allowed: ReadonlyArray<(typeof PROBE_KEYS)[number]>): ReadyProbe {
  const kinds = allowed.filter((k) => fields.has(k));
  const expected = `exactly one of ${formatChoices(allowed)}`;
  if (kinds.length === 0) fail(c, `no probe; add ${expected}`, expected);
  if (kinds.length > 1) fail(c, `more than one probe (${kinds.join(', ')}); keep ${expected}`, expected);
  const kind = kinds[0]!;
  return readProbe(descend(c, kind), kind, fields.get(kind));
}

function readProbe(c: Cursor, kind: (typeof PROBE_KEYS)[number], v: unknown): ReadyProbe {
  switch (kind) {
    case 'tcp': return readTcpProbe(c, v);
    case 'http': return readHttpProbe(c, v);
    case 'exec': return { kind: 'exec', command: readCommand(c, v) };
    case 'file': return { kind: 'file', path: readString(c, v) };
    case 'ipc': readTrue(c, v); return { kind: 'ipc' };
    case 'notify_fd': return { kind: 'notify-fd', fd: readInteger(c, v, 3, 255) };
    case 'sd_notify': readTrue(c, v); return { kind: 'sd-notify' };
  }
}

function readTcpProbe(c: Cursor, v: unknown): ReadyProbe {
  if (typeof v === 'number') return { kind: 'tcp', host: DEFAULT_HOST, port: readInteger(c, v, 1, 65535) };
  if (typeof v !== 'string') return failType(c, TCP, v);
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(v.trim()) ?? /^()()(\d+)$/.exec(v.trim());
  if (!m) return failType(c, TCP, v);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) fail(c, `port ${port} is out of range; expected an integer from 1 to 65535`, TCP);
  return { kind: 'tcp', host: m[1] || m[2] || DEFAULT_HOST, port };
}

function readHttpProbe(c: Cursor, v: unknown): ReadyProbe {
  if (typeof v === 'string') return { kind: 'http', url: readUrl(c, v), expectStatus: DEFAULT_STATUS };
  const fields = readFields(c, v, HTTP_PROBE_KEYS);
  if (!fields.has('url')) fail(descend(c, 'url'), 'missing; add url: http://127.0.0.1:PORT/PATH', 'an http:// URL');
  return {
    kind: 'http',
    url: readUrl(descend(c, 'url'), fields.get('url')),
    expectStatus: readOptional(c, fields, 'status', readStatus, DEFAULT_STATUS),
  };
}

function readUrl(c: Cursor, v: unknown): string {
  const expected = 'an http:// or https:// URL such as http://127.0.0.1:8080/health';
  const text = readString(c, v);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return failType(c, expected, v);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') failType(c, expected, v);
  return text;
}

function readStatus(c: Cursor, v: unknown): [number, number] {
  if (typeof v === 'number') {
    const code = readInteger(c, v, 100, 599);
    return [code, code];
  }
  const m = typeof v === 'string' ? /^\s*(\d{3})\s*-\s*(\d{3})\s*$/.exec(v) : null;
  if (!m) return failType(c, STATUS, v);
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (lo < 100 || hi > 599 || lo > hi) fail(c, `bad status range "${v}"; expected two codes from 100 to 599, low first`, STATUS);
  return [lo, hi];
}
