// Everything but single-command mode, bundled apart (dist/pidone-tools.js):
// pidone up, validate, status/check/ps/restart/stop/start/signal, doctor, exec-as.
import { existsSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EXIT_CANNOT_EXEC } from '../core/exit-codes';
import { explainSpawnError } from '../core/spawn-errors';
import { makeLogger } from '../init/log';
import { nameErrno } from '../sys/errno';
import type { ExecAsOptions, UpOptions } from './args';
import { installCrashHandler } from './crash';

export { runControl } from '../control/commands';
export { runDoctor } from '../doctor/doctor';
export { runOci } from '../oci/oci';

export async function runUp(o: UpOptions): Promise<number> {
  const log = makeLogger(o.verbosity);
  installCrashHandler(log, () => undefined);
  const { loadConfig } = await import('../config/parse');
  const config = loadConfig(o.file, process.env);
  if (o.logFormat) config.logFormat = o.logFormat;
  if (o.timestamps !== null) config.logTimestamps = o.timestamps;
  for (const svc of config.services) if (svc.cwd !== null) svc.cwd = resolve(dirname(config.file), svc.cwd);
  const { runSupervisor } = await import('../supervisor/supervisor');
  const { chooseSocketPath } = await import('../control/socket-path');
  return runSupervisor(config, log, {
    selfArgv: [process.execPath, process.argv[1]!],
    socketPath: chooseSocketPath(process.env, o.socket),
    healthPort: o.healthPort,
    healthHost: o.healthHost,
  });
}

export async function runValidate(file: string): Promise<number> {
  const { loadConfig } = await import('../config/parse');
  const config = loadConfig(file, process.env);
  writeOut(`${file}: valid, ${config.services.length} service(s): ${config.services.map((s) => s.name).join(', ')}\n`);
  return 0;
}

// Runs inside the child a service with user: was spawned as; never returns on success.
export async function runExecAs(o: ExecAsOptions): Promise<number> {
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


function writeOut(text: string): void {
  writeSync(1, text);
}
