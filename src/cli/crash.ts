// A failure of pidone itself: one line, the child (if any) killed first, exit 70.
import { EXIT_INTERNAL } from '../core/exit-codes';
import { isPidoneError } from '../core/errors';
import type { Logger } from '../init/log';

export function installCrashHandler(log: Logger, killChild: () => void): void {
  const die = (err: unknown): void => {
    const msg = err instanceof Error ? err.message : String(err);
    log.error(`internal error: ${msg.split('\n')[0]}; stopping the child and exiting ${EXIT_INTERNAL}`);
    killChild();
    process.exit(isPidoneError(err) ? err.exitCode : EXIT_INTERNAL);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}
