// A SIGUSR1 that reaches Node before the bundle's first statement installs a
// listener opens the inspector (Node 20 has no --disable-sigusr1). Nothing can
// stop that from inside JS, so close it as soon as we can see it. Checked after
// the child runs, to keep it off the start-up path; through the native binding,
// which costs nothing, where the 'node:inspector' module would cost ~2 MB.
import type { Logger } from './log';

const CHECK_AFTER_MS = [50, 500];

interface InspectorProbe {
  url(): string | undefined;
  close(): void;
}

export function guardInspector(log: Logger): void {
  if (process.execArgv.includes('--disable-sigusr1')) return;
  for (const ms of CHECK_AFTER_MS) {
    setTimeout(() => closeInspector(log), ms).unref();
  }
}

function closeInspector(log: Logger): void {
  const probe = loadProbe();
  if (probe.url() === undefined) return;
  probe.close();
  log.log('warn', 'a SIGUSR1 arrived while Node was starting, before pidone could catch it, and opened the inspector; closed it');
}

function loadProbe(): InspectorProbe {
  const proc = process as unknown as {
    binding?: (name: string) => { url?: () => string | undefined };
    _debugEnd?: () => void;
    noDeprecation?: boolean;
  };
  const quiet = proc.noDeprecation;
  proc.noDeprecation = true;
  try {
    const binding = proc.binding?.('inspector');
    const end = proc._debugEnd;
    if (binding?.url && end) return { url: () => binding.url!(), close: () => end.call(process) };
  } catch {
    // fall through to the public module
  } finally {
    proc.noDeprecation = quiet;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const inspector = require('node:inspector') as typeof import('node:inspector');
  return { url: () => inspector.url(), close: () => inspector.close() };
}
