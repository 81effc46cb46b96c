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
    error: (message) => write(escapeControls(message)),
    log(level, message) {
      if (this.verbosity >= LEVEL_MIN_VERBOSITY[level]) write(escapeControls(message));
    },
    enabled(level) {
      return this.verbosity >= LEVEL_MIN_VERBOSITY[level];
    },
  };
}

// A message quotes user input (option values, paths, service names); a line
// break or an escape sequence in it must not split the line or drive the terminal.
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f]/g;

export function escapeControls(message: string): string {
  return message.replace(CONTROLS, (ch) => (ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`));
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
