// How a service's line looks on pidone's output: "name | line" (coloured on a
// TTY, like docker compose), or one JSON object per line. Pure.
import type { LogFormat } from '../config/types';

export type Stream = 'stdout' | 'stderr' | 'event';

export interface FormatOptions {
  format: LogFormat;
  color: boolean;
  timestamps: boolean;
  nameWidth: number;
}

const COLORS = [36, 33, 32, 35, 34, 91, 96, 93, 92, 95, 94];
const RESET = '\x1b[0m';

export function pickColor(index: number): number {
  return COLORS[index % COLORS.length]!;
}

export function formatLine(
  opts: FormatOptions, service: string, colorCode: number, stream: Stream, line: Buffer, now: Date,
): Buffer {
  if (opts.format === 'json') {
    const record: Record<string, string> = {};
    if (opts.timestamps) record.time = now.toISOString();
    record.service = service;
    record.stream = stream;
    record.line = line.toString('utf8');
    return Buffer.from(`${JSON.stringify(record)}\n`);
  }
  const name = service.padEnd(opts.nameWidth);
  const stamp = opts.timestamps ? `${now.toISOString()} ` : '';
  const prefix = opts.color ? `\x1b[${colorCode}m${name} |${RESET} ${stamp}` : `${name} | ${stamp}`;
  return Buffer.concat([Buffer.from(prefix), line, NEWLINE]);
}

const NEWLINE = Buffer.from('\n');
const JSON_TAIL = Buffer.from('"}\n');

function isPlainAscii(line: Buffer): boolean {
  for (let i = 0; i < line.length; i++) {
    const b = line[i]!;
    if (b < 0x20 || b > 0x7e || b === 0x22 || b === 0x5c) return false;
  }
  return true;
}

// Many lines of one service and stream at once, as one buffer: the hot path.
// The prefix is built once per call, the clock read once, not per line.
export function formatLines(
  opts: FormatOptions, service: string, colorCode: number, stream: Stream, lines: readonly Buffer[], now: Date,
): Buffer {
  if (lines.length === 1) return formatLine(opts, service, colorCode, stream, lines[0]!, now);
  if (opts.format === 'json') {
    const head = Buffer.from(`{${opts.timestamps ? `"time":${JSON.stringify(now.toISOString())},` : ''}"service":${JSON.stringify(service)},"stream":"${stream}","line":"`);
    const parts: Buffer[] = [];
    for (const line of lines) {
      // Most log lines are printable ASCII with no quote or backslash: their bytes are their JSON.
      if (isPlainAscii(line)) parts.push(head, line, JSON_TAIL);
      else parts.push(head, Buffer.from(`${JSON.stringify(line.toString('utf8')).slice(1)}}\n`));
    }
    return Buffer.concat(parts);
  }
  const name = service.padEnd(opts.nameWidth);
  const stamp = opts.timestamps ? `${now.toISOString()} ` : '';
  const prefix = Buffer.from(opts.color ? `\x1b[${colorCode}m${name} |${RESET} ${stamp}` : `${name} | ${stamp}`);
  const parts: Buffer[] = [];
  for (const line of lines) parts.push(prefix, line, NEWLINE);
  return Buffer.concat(parts);
}
