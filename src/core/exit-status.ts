// Decoding of waitpid() statuses and the container's exit code. No I/O.

export type WaitStatus =
  | { kind: 'exited'; code: number }
  | { kind: 'signaled'; signum: number; core: boolean }
  | { kind: 'stopped'; signum: number }
  | { kind: 'continued' };

export function decodeWaitStatus(status: number): WaitStatus {
  const low = status & 0x7f;
  if (low === 0) return { kind: 'exited', code: (status >> 8) & 0xff };
  if (status === 0xffff) return { kind: 'continued' };
  if ((status & 0xff) === 0x7f) return { kind: 'stopped', signum: (status >> 8) & 0xff };
  return { kind: 'signaled', signum: low, core: (status & 0x80) !== 0 };
}

export type Ending = Extract<WaitStatus, { kind: 'exited' | 'signaled' }>;

// The child's code, or 128+N when signal N killed it; codes listed in
// `remapToZero` (tini's -e) become 0.
export function computeExitCode(ending: Ending, remapToZero: ReadonlySet<number>): number {
  const code = ending.kind === 'exited' ? ending.code : 128 + ending.signum;
  return remapToZero.has(code) ? 0 : code;
}
