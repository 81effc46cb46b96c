import { EXIT_CONFIG } from '../core/exit-codes';
import { PidoneError } from '../core/errors';

export interface SourcePosition {
  line: number;   // 1-based
  column: number; // 1-based
}

export interface ConfigErrorDetails {
  file: string;
  path: string;        // e.g. "services.web.depends_on[0]"; '' for the whole file
  expected: string;    // what would have been accepted, or how to fix it
  position?: SourcePosition | null;
}

// One line: "<file>[:line:col]: <path>: <what is wrong>; <how to fix>".
export class ConfigError extends PidoneError {
  readonly file: string;
  readonly path: string;
  readonly expected: string;
  readonly line: number | null;
  readonly column: number | null;

  constructor(message: string, details: ConfigErrorDetails) {
    super('E_CONFIG', message, EXIT_CONFIG);
    this.file = details.file;
    this.path = details.path;
    this.expected = details.expected;
    this.line = details.position?.line ?? null;
    this.column = details.position?.column ?? null;
  }
}

export function formatConfigMessage(file: string, position: SourcePosition | null, path: string, detail: string): string {
  const where = position ? `${file}:${position.line}:${position.column}` : file;
  return path ? `${where}: ${path}: ${detail}` : `${where}: ${detail}`;
}
