// Carries each service's stdout/stderr pipe to pidone's own stdout/stderr, a
// whole line at a time with the service's prefix, and pidone's events with
// them. A full sink pauses every reader feeding it until it drains.
import { Socket } from 'node:net';
import type { LogFormat } from '../config/types';
import { formatLines, pickColor, type FormatOptions, type Stream } from './log-format';
import { makeLineSplitter } from './line-splitter';
import { makeLogSink, type LogSink } from './log-sink';

export interface LogRouter {
  attach(service: string, stream: 'stdout' | 'stderr', fd: number): void;
  event(service: string, message: string): void;
  whenClosed(): Promise<void>; // every attached pipe has reached EOF
  whenFlushed(): Promise<void>;
  lostBytes(): number;
  queuedBytes(): number;
}

export function makeLogRouter(opts: { format: LogFormat; timestamps: boolean; color: boolean; names: string[] }): LogRouter {
  const format: FormatOptions = {
    format: opts.format,
    color: opts.color && opts.format === 'text',
    timestamps: opts.timestamps,
    nameWidth: Math.max('pidone'.length, ...opts.names.map((n) => n.length)),
  };
  const colors = new Map(opts.names.map((n, i) => [n, pickColor(i)]));
  const sinks: Record<'stdout' | 'stderr', LogSink> = { stdout: makeLogSink(1), stderr: makeLogSink(2) };
  const paused: Record<'stdout' | 'stderr', Set<Socket>> = { stdout: new Set(), stderr: new Set() };
  let open = 0;
  const closedWaiters: Array<() => void> = [];

  function emit(sinkName: 'stdout' | 'stderr', service: string, stream: Stream, lines: Buffer[], reader: Socket | null): void {
    if (lines.length === 0) return;
    const ok = sinks[sinkName].write(formatLines(format, service, colors.get(service) ?? 37, stream, lines, new Date()));
    if (ok || !reader || paused[sinkName].has(reader)) return;
    reader.pause();
    paused[sinkName].add(reader);
    sinks[sinkName].onDrain(() => {
      for (const r of paused[sinkName]) r.resume();
      paused[sinkName].clear();
    });
  }

  return {
    attach(service, stream, fd) {
      const reader = new Socket({ fd, readable: true, writable: false });
      const splitter = makeLineSplitter();
      open += 1;
      reader.on('data', (chunk: Buffer) => {
        emit(stream, service, stream, splitter.push(chunk), reader);
      });
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        emit(stream, service, stream, splitter.flush(), null);
        reader.destroy();
        open -= 1;
        if (open === 0) for (const w of closedWaiters.splice(0)) w();
      };
      reader.once('end', finish);
      reader.once('error', finish);
      reader.unref();
    },
    event(service, message) {
      if (format.format === 'json') emit('stdout', service, 'event', [Buffer.from(message)], null);
      else emit('stdout', 'pidone', 'event', [Buffer.from(service === 'pidone' ? message : `${service}: ${message}`)], null);
    },
    whenClosed() {
      if (open === 0) return Promise.resolve();
      return new Promise((resolve) => { closedWaiters.push(resolve); });
    },
    async whenFlushed() {
      await Promise.all([sinks.stdout.whenIdle(), sinks.stderr.whenIdle()]);
    },
    lostBytes: () => sinks.stdout.lostBytes() + sinks.stderr.lostBytes(),
    queuedBytes: () => sinks.stdout.queuedBytes() + sinks.stderr.queuedBytes(),
  };
}
