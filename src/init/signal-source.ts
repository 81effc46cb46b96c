// Where signals come in. Named signals through process.on(); real-time signals
// (which have no names in Node) through libuv's signal_wrap binding where the
// runtime still exposes it (Node 20 and 22; not Node 24).
import { FORWARDED_SIGNALS, SIGNALS, SIGRTMAX, SIGRTMIN } from '../core/signals';
import { loadBinding } from './binding';

export type SignalHandler = (signum: number) => void;

interface EarlyGlobals {
  __pidoneEarlySignals?: number[];
  __pidoneEarlyUsr1?: () => void;
}

export interface SignalSource {
  realtime: boolean;
  close(): void;
}

export function listenForSignals(handle: SignalHandler): SignalSource {
  const listeners: Array<[string, () => void]> = [];
  for (const name of FORWARDED_SIGNALS) {
    const signum = SIGNALS[name]!;
    const fn = (): void => handle(signum);
    process.on(name as NodeJS.Signals, fn);
    listeners.push([name, fn]);
  }
  // The bundle's first statement installed a SIGUSR1 listener so that no
  // SIGUSR1 could open the inspector; hand over what it caught.
  const early = globalThis as EarlyGlobals;
  if (early.__pidoneEarlyUsr1) process.removeListener('SIGUSR1', early.__pidoneEarlyUsr1);
  for (const signum of early.__pidoneEarlySignals?.splice(0) ?? []) handle(signum);
  const rt = listenForRealtimeSignals(handle);
  return {
    realtime: rt !== null,
    close() {
      for (const [name, fn] of listeners) process.removeListener(name, fn);
      rt?.();
    },
  };
}

interface SignalWrap {
  onsignal: (signum: number) => void;
  start(signum: number): number;
  close(): void;
  unref(): void;
}

function listenForRealtimeSignals(handle: SignalHandler): (() => void) | null {
  const Ctor = loadSignalWrap();
  if (!Ctor) return null;
  const watchers: SignalWrap[] = [];
  for (let signum = SIGRTMIN; signum <= SIGRTMAX; signum++) {
    const w = new Ctor();
    w.onsignal = handle;
    if (w.start(signum) !== 0) { w.close(); continue; }
    w.unref();
    watchers.push(w);
  }
  return () => { for (const w of watchers) w.close(); };
}

function loadSignalWrap(): (new () => SignalWrap) | null {
  return loadBinding<{ Signal?: new () => SignalWrap }>('signal_wrap')?.Signal ?? null;
}
