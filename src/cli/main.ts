// The one place that turns a Mode into an exit code.
import { writeSync } from 'node:fs';
import { EXIT_CANNOT_EXEC, EXIT_INTERNAL, EXIT_USAGE } from '../core/exit-codes';
import { PidoneError } from '../core/errors';
import { makeLogger, type Logger } from '../init/log';
import { listInheritedFds, readSelfRaw } from '../init/procfs';
import { killChildOnCrash, runSingle, type ChildCommand } from '../init/single';
import { parseArgs, type ExecAsOptions, type RunOptions, type UpOptions } from './args';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { explainSpawnError } from '../core/spawn-errors';
import { nameErrno } from '../sys/errno';
import { LICENSE, USAGE, VERSION } from './usage';

export async function main(args: readonly string[]): Promise<number> {
  const mode = parseArgs(args, process.env);
  switch (mode.kind) {
    case 'help': writeOut(USAGE); return 0;
    case 'version': writeOut(`pidone ${VERSION}\n`); return 0;
    case 'license': writeOut(LICENSE); return 0;
    case 'usage-error':
      makeLogger(1).error(`${mode.message} (pidone -h lists the options)`);
      return EXIT_USAGE;
    case 'up': return runUp(mode.options);
    case 'validate': return runValidate(mode.file);
    case 'exec-as': return runExecAs(mode.options);
    case 'run': {
      const log = makeLogger(mode.options.verbosity);
      installCrashHandler(log);
      return runSingle(mode.options, buildChildCommand(mode.options, args.length), log);
    }
  }
}

// argv for the child, byte for byte: the tail of /proc/self/cmdline holds the
// same arguments as process.argv, but undecoded.
function buildChildCommand(o: RunOptions, argCount: number): ChildCommand {
  const cstr = (s: string): Buffer => Buffer.from(`${s}\0`);
  const rawArgs = readSelfRaw('cmdline');
  const userArgs = rawArgs && rawArgs.length >= argCount ? rawArgs.slice(rawArgs.length - argCount) : null;
  const sameShape = userArgs !== null && userArgs.every((b, i) => i >= o.commandIndex || b.subarray(0, -1).toString() === process.argv[2 + i]);
  const argv = sameShape ? userArgs.slice(o.commandIndex) : o.command.map(cstr);
  const envp = readSelfRaw('environ') ?? Object.entries(process.env).map(([k, v]) => cstr(`${k}=${v ?? ''}`));
  return { argv, envp, display: o.command.join(' '), inheritedFds: listInheritedFds() };
}

async function runUp(o: UpOptions): Promise<number> {
  const log = makeLogger(o.verbosity);
  installCrashHandler(log);
  const { loadConfig } = await import('../config/parse');
  const config = loadConfig(o.file, process.env);
  if (o.logFormat) config.logFormat = o.logFormat;
  if (o.timestamps !== null) config.logTimestamps = o.timestamps;
  for (const svc of config.services) if (svc.cwd !== null) svc.cwd = resolve(dirname(config.file), svc.cwd);
  const { runSupervisor } = await import('../supervisor/supervisor');
  return runSupervisor(config, log, [process.execPath, process.argv[1]!]);
}

async function runValidate(file: string): Promise<number> {
  const { loadConfig } = await import('../config/parse');
  const config = loadConfig(file, process.env);
  writeOut(`${file}: valid, ${config.services.length} service(s): ${config.services.map((s) => s.name).join(', ')}\n`);
  return 0;
}

// Runs inside the child a service with user: was spawned as; never returns on success.
async function runExecAs(o: ExecAsOptions): Promise<number> {
  const log = makeLogger(1);
  const { clearCloexec } = await import('../sys/fd');
  const { dropPrivileges, execCommand } = await import('../sys/credentials');
  for (const fd of o.keepFds) clearCloexec(fd);
  const dropped = dropPrivileges(o.uid, o.gid, o.groups);
  if (dropped.kind === 'error') {
    log.error(`cannot switch to uid ${o.uid} gid ${o.gid}: ${dropped.step} failed (${nameErrno(dropped.errno)})`);
    return EXIT_CANNOT_EXEC;
  }
  const errno = execCommand(o.command);
  const why = explainSpawnError(nameErrno(errno), o.command[0]!, existsSync(o.command[0]!));
  log.error(`cannot run '${o.command[0]}' as uid ${o.uid}: ${why.reason}`);
  return why.exitCode;
}

function installCrashHandler(log: Logger): void {
  const die = (err: unknown): void => {
    const msg = err instanceof Error ? err.message : String(err);
    log.error(`internal error: ${msg.split('\n')[0]}; stopping the child and exiting ${EXIT_INTERNAL}`);
    killChildOnCrash?.();
    process.exit(err instanceof PidoneError ? err.exitCode : EXIT_INTERNAL);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}

function writeOut(text: string): void {
  writeSync(1, text);
}
