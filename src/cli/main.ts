// The one place that turns a Mode into an exit code.
import { writeSync } from 'node:fs';
import { EXIT_INTERNAL, EXIT_USAGE } from '../core/exit-codes';
import { PidoneError } from '../core/errors';
import { makeLogger, type Logger } from '../init/log';
import { listInheritedFds, readSelfRaw } from '../init/procfs';
import { killChildOnCrash, runSingle, type ChildCommand } from '../init/single';
import { parseArgs, type RunOptions } from './args';
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
