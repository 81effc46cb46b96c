// A SIGUSR1 that reaches Node before the bundle's first statement installs a
// listener opens the inspector (Node 20 has no --disable-sigusr1). Nothing can
// stop that from inside JS, so close it as soon as we can see it. Loaded lazily,
// after the child runs, to keep it off the start-up path.
import type { Logger } from './log';

const CHECK_AFTER_MS = [50, 500];

export function guardInspector(log: Logger): void {
  if (process.execArgv.includes('--disable-sigusr1')) return;
  for (const ms of CHECK_AFTER_MS) {
    setTimeout(() => closeInspector(log), ms).unref();
  }
}

function closeInspector(log: Logger): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const inspector = require('node:inspector') as typeof import('node:inspector');
  if (inspector.url() === undefined) return;
  inspector.close();
  log.log('warn', 'a SIGUSR1 arrived while Node was starting, before pidone could catch it, and opened the inspector; closed it');
}
