// An ordered, asynchronous writer to one of pidone's own fds. Writes go out one
// at a time in order, so lines from different services never interleave; when
// more than HIGH_WATER_BYTES wait, write() returns false and readers pause until
// 'drain', so a slow stdout slows the producers instead of losing lines.
import { write } from 'node:fs';

const HIGH_WATER_BYTES = 1 << 20;
const LOW_WATER_BYTES = 1 << 18;
const MAX_BATCH_BYTES = 1 << 16;
const RETRY_MS = 5;

export interface LogSink {
  write(buf: Buffer): boolean;
  onDrain(cb: () => void): void;
  whenIdle(): Promise<void>;
  lostBytes(): number;
  queuedBytes(): number;
}

export function makeLogSink(fd: number): LogSink {
  const queue: Buffer[] = [];
  let queued = 0;
  let writing = false;
  let broken = false;
  let lost = 0;
  const drainers: Array<() => void> = [];
  const idlers: Array<() => void> = [];

  function pump(): void {
    if (writing) return;
    if (queue.length === 0) { for (const cb of idlers.splice(0)) cb(); return; }
    if (broken) { dropAll(); return; }
    const batch = takeBatch();
    writing = true;
    const send = (off: number): void => {
      write(fd, batch, off, batch.length - off, null, (err, n) => {
        if (err) {
          if (err.code === 'EAGAIN') { setTimeout(() => send(off), RETRY_MS); return; }
          broken = true; // EPIPE, EBADF: nobody can read our output any more
          lost += batch.length - off;
          finish();
          return;
        }
        if (off + n < batch.length) { send(off + n); return; }
        finish();
      });
    };
    const finish = (): void => {
      writing = false;
      queued -= batch.length;
      if (queued <= LOW_WATER_BYTES) for (const cb of drainers.splice(0)) cb();
      pump();
    };
    send(0);
  }

  function takeBatch(): Buffer {
    let size = 0;
    let n = 0;
    while (n < queue.length && (n === 0 || size + queue[n]!.length <= MAX_BATCH_BYTES)) size += queue[n++]!.length;
    const parts = queue.splice(0, n);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }

  function dropAll(): void {
    for (const b of queue) lost += b.length;
    queued = 0;
    queue.length = 0;
    for (const cb of drainers.splice(0)) cb();
  }

  return {
    write(buf) {
      queue.push(buf);
      queued += buf.length;
      pump();
      return queued < HIGH_WATER_BYTES;
    },
    onDrain(cb) {
      if (queued <= LOW_WATER_BYTES) cb(); else drainers.push(cb);
    },
    whenIdle() {
      if (!writing && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idlers.push(resolve));
    },
    lostBytes: () => lost,
    queuedBytes: () => queued,
  };
}
