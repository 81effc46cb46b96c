import { main } from './cli/main';
import { isPidoneError } from './core/errors';
import { EXIT_INTERNAL } from './core/exit-codes';
import { makeLogger } from './init/log';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const isOurs = isPidoneError(err);
    makeLogger(1).error(isOurs ? err.message : `internal error: ${String(err instanceof Error ? err.message : err).split('\n')[0]}`);
    process.exit(isOurs ? err.exitCode : EXIT_INTERNAL);
  },
);
