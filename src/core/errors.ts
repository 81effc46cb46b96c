// Errors with a stable `code`; the CLI maps each to an exit code and one line on stderr.

export class PidoneError extends Error {
  constructor(readonly code: string, message: string, readonly exitCode: number) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends PidoneError {
  constructor(message: string) { super('E_USAGE', message, 1); }
}

export class SysError extends PidoneError {
  constructor(message: string, readonly errno?: string) { super('E_SYS', message, 70); }
}

export class PlatformError extends PidoneError {
  constructor(message: string) { super('E_PLATFORM', message, 70); }
}

// instanceof fails across the two bundles (each has its own copy of these
// classes), so recognise pidone's errors by their shape.
export function isPidoneError(err: unknown): err is PidoneError {
  return err instanceof Error && typeof (err as PidoneError).code === 'string' && typeof (err as PidoneError).exitCode === 'number';
}
