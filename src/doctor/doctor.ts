// pidone doctor [PID] [--json]: diagnoses the PID 1 of the current PID
// namespace (or any process) from /proc alone, so it works whether or not
// pidone is running. Exit status: 0 ok, 3 warn, 4 bad, 2 bad argument or a
// process that cannot be inspected.
import { writeSync } from 'node:fs';
import { inspectProcess } from './inspect';
import { buildReport, renderJson, renderText } from './report';
import { diagnose, DOCTOR_EXIT, DOCTOR_EXIT_USAGE } from './verdict';

export const DOCTOR_USAGE = `Usage: pidone doctor [PID] [--json]

Diagnoses PID (default: the PID 1 of the current PID namespace): who it is,
which signals it catches, ignores and blocks, whether SIGTERM and SIGINT sent
to it would be dropped, the zombies now and whose children they are, whether
it is a subreaper, pids.current/pids.max of its cgroup and kernel.pid_max,
then a verdict with advice.

  --json     one JSON object with every fact and the verdict
  -h         this help

Exit status: 0 ok, 3 warn, 4 bad, 2 bad argument or no such process.
`;

export type DoctorArgs =
  | { kind: 'inspect'; pid: number; json: boolean }
  | { kind: 'help' }
  | { kind: 'usage-error'; message: string };

export function parseDoctorArgs(args: readonly string[]): DoctorArgs {
  let pid: number | null = null;
  let json = false;
  for (const a of args) {
    if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') return { kind: 'help' };
    else if (/^\d+$/.test(a) && pid === null) {
      pid = Number(a);
      if (pid < 1 || !Number.isSafeInteger(pid)) return { kind: 'usage-error', message: `doctor: pid must be 1 or more, not "${a}"` };
    } else if (/^\d+$/.test(a)) return { kind: 'usage-error', message: `doctor: one pid at a time, not "${pid}" and "${a}"` };
    else if (a.startsWith('-')) return { kind: 'usage-error', message: `doctor: unknown option '${a}' (pidone doctor [PID] [--json])` };
    else return { kind: 'usage-error', message: `doctor: expected a pid, not "${a}" (pidone doctor [PID] [--json])` };
  }
  return { kind: 'inspect', pid: pid ?? 1, json };
}

export async function runDoctor(args: readonly string[]): Promise<number> {
  const parsed = parseDoctorArgs(args);
  if (parsed.kind === 'help') { write(1, DOCTOR_USAGE); return 0; }
  if (parsed.kind === 'usage-error') { write(2, `pidone: ${parsed.message}\n`); return DOCTOR_EXIT_USAGE; }
  const result = inspectProcess(parsed.pid);
  if (result.kind === 'error') {
    write(2, `pidone: cannot inspect pid ${parsed.pid}: ${result.reason}\n`);
    return DOCTOR_EXIT_USAGE;
  }
  const diagnosis = diagnose(result.facts);
  write(1, parsed.json ? renderJson(buildReport(result.facts, diagnosis)) : renderText(result.facts, diagnosis));
  return DOCTOR_EXIT[diagnosis.verdict.level];
}

function write(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return;
    }
  }
}
