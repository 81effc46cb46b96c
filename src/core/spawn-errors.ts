// What a failed spawn means for the user: exit code and a one-line reason. Pure.
import { EXIT_CANNOT_EXEC, EXIT_INTERNAL, EXIT_NOT_FOUND } from './exit-codes';

export interface SpawnFailure {
  exitCode: number;
  reason: string;
}

export function explainSpawnError(errnoName: string, command: string, fileExists: boolean): SpawnFailure {
  switch (errnoName) {
    case 'ENOENT':
      return fileExists && command.includes('/')
        ? { exitCode: EXIT_NOT_FOUND, reason: 'its #! interpreter was not found (ENOENT); fix the first line of the script' }
        : { exitCode: EXIT_NOT_FOUND, reason: 'command not found (ENOENT); check the name and PATH' };
    case 'ENOTDIR':
    case 'ELOOP':
    case 'ENAMETOOLONG':
      return { exitCode: EXIT_NOT_FOUND, reason: `command not found (${errnoName}); check the path` };
    case 'EACCES':
    case 'EPERM':
      return { exitCode: EXIT_CANNOT_EXEC, reason: `permission denied (${errnoName}): not executable, a directory, or on a noexec mount; chmod +x it or check the path` };
    case 'EISDIR':
      return { exitCode: EXIT_CANNOT_EXEC, reason: 'is a directory (EISDIR); name the program inside it' };
    case 'ENOEXEC':
      return { exitCode: EXIT_CANNOT_EXEC, reason: 'not an executable format (ENOEXEC); add a #! line or run it through its interpreter' };
    case 'ETXTBSY':
      return { exitCode: EXIT_CANNOT_EXEC, reason: 'the file is open for writing (ETXTBSY); wait until it is fully written' };
    default:
      return { exitCode: EXIT_INTERNAL, reason: `the kernel refused to start it (${errnoName})` };
  }
}
