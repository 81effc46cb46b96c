// pidone's own diagnostics: one line each, "pidone: " first, always to fd 2,
// written synchronously so nothing is lost when pidone exits right after.
import { writeSync } from 'node:fs';

export type Level = 'warn' | 'info' | 'debug' | 'trace';
const LEVEL_MIN_VERBOSITY: Readonly<Record<Level, number>> = { warn: 1, info: 2, debug: 3, trace: 4 };

export interface Logger {
  verbosity: number;
  error(message: string): void;
  log(level: Level, message: string): void;
  enabled(level: Level): boolean;
}

export function makeLogger(verbosity: number, write: (message: string) => void = writeLine): Logger {
  return {
    verbosity,
    error: (message) => write(message),
    log(level, message) {
      if (this.verbosity >= LEVEL_MIN_VERBOSITY[level]) write(message);
    },
    enabled(level) {
      return this.verbosity >= LEVEL_MIN_VERBOSITY[level];
    },
  };
}

function writeLine(message: string): void {
  const buf = Buffer.from(`pidone: ${message}\n`);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(2, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return; // stderr closed or broken: diagnostics are lost, pidone goes on
    }
  }
}
