// The one place that turns a Mode into an exit code.
import { writeSync } from 'node:fs';
import { EXIT_USAGE } from '../core/exit-codes';
import { makeLogger } from '../init/log';
import { installCrashHandler } from './crash';
import { listInheritedFds, readSelfRaw } from '../init/procfs';
import { killChildOnCrash, runSingle, type ChildCommand } from '../init/single';
import { parseArgs, type RunOptions } from './args';
import { LICENSE, USAGE, VERSION } from './usage';

export async function main(args: readonly string[]): Promise<number> {
  if (args[0] === 'doctor') return (await loadTools()).runDoctor(args.slice(1));
  if (args[0] === 'oci') return (await loadTools()).runOci(args.slice(1));
  const mode = parseArgs(args, process.env);
  switch (mode.kind) {
    case 'help': writeOut(USAGE); return 0;
    case 'version': writeOut(`pidone ${VERSION}\n`); return 0;
    case 'license': writeOut(LICENSE); return 0;
    case 'usage-error':
      makeLogger(1).error(`${mode.message} (pidone -h lists the options)`);
      return EXIT_USAGE;
    case 'up': return (await loadTools()).runUp(mode.options);
    case 'validate': return (await loadTools()).runValidate(mode.file);
    case 'exec-as': return (await loadTools()).runExecAs(mode.options);
    case 'control': return (await loadTools()).runControl(mode.options);
    case 'run': {
      const log = makeLogger(mode.options.verbosity);
      installCrashHandler(log, () => killChildOnCrash?.());
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

// Supervisor mode, validate, the control client, doctor and exec-as live in a
// second bundle (dist/pidone-tools.js), so PID 1 in single-command mode never
// parses them: the bundler maps this import to that file.
function loadTools(): Promise<typeof import('./tools')> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return Promise.resolve(require('./tools') as typeof import('./tools'));
}

function writeOut(text: string): void {
  writeSync(1, text);
}
