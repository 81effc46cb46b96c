// The only caller of waitpid(). SIGCHLD -> waitpid(-1, WNOHANG) until nothing is
// left to collect; each pid is looked up in the process table to find its owner.
import { decodeWaitStatus, type Ending, type WaitStatus } from '../core/exit-status';
import { nameErrno } from '../sys/errno';
import { waitAny } from '../sys/process';
import type { Logger } from './log';

const BATCH_MS = 5;

export type Watcher = (status: WaitStatus) => void;
export type OrphanHandler = (pid: number, ending: Ending) => void;

export interface Reaper {
  track(pid: number, watcher: Watcher): void;
  reapZombies(): void;
  listen(): void; // reap on SIGCHLD from now on
  hasChildren(): boolean;
  onOrphan(handler: OrphanHandler): void;
  onIdle(handler: () => void): void; // called whenever waitpid says there are no children
  onReaped(handler: () => void): void; // called after a pass that collected at least one exit
}

export function makeReaper(log: Logger, warnOnReap: boolean): Reaper {
  const table = new Map<number, Watcher>();
  const orphanHandlers: OrphanHandler[] = [];
  const idleHandlers: Array<() => void> = [];
  const reapedHandlers: Array<() => void> = [];
  let childless = false;
  let reaping = false;
  const traceOn = log.enabled('trace');

  function reapZombies(): void {
    if (reaping) return;
    reaping = true;
    let collected = 0;
    try {
      for (;;) {
        const r = waitAny();
        if (r.kind === 'none') { childless = false; break; }
        if (r.kind === 'no-children') {
          childless = true;
          for (const h of idleHandlers) h();
          break;
        }
        if (r.kind === 'error') {
          log.log('warn', `cannot wait for children: ${nameErrno(r.errno)}`);
          break;
        }
        const status = decodeWaitStatus(r.status);
        const watcher = table.get(r.pid);
        if (status.kind === 'exited' || status.kind === 'signaled') {
          collected += 1;
          table.delete(r.pid);
          if (watcher) watcher(status);
          else {
            if (warnOnReap) log.log('warn', `reaped zombie process ${r.pid}`);
            else if (traceOn) log.log('trace', `reaped zombie process ${r.pid}`);
            for (const h of orphanHandlers) h(r.pid, status);
          }
        } else if (watcher) {
          watcher(status);
        }
      }
    } finally {
      reaping = false;
    }
    if (collected > 0) for (const h of reapedHandlers) h();
  }

  // Reap at once, then stop listening for BATCH_MS: a burst of exits costs one
  // wake-up per window instead of one per exit (half the CPU per orphan). With
  // no listener SIGCHLD is at SIG_DFL, not SIG_IGN, so exits stay waitable; the
  // reap after listening again collects what the window held.
  function onSigchld(): void {
    process.removeListener('SIGCHLD', onSigchld);
    reapZombies();
    setTimeout(() => { process.on('SIGCHLD', onSigchld); reapZombies(); }, BATCH_MS);
  }

  return {
    track(pid, watcher) { table.set(pid, watcher); childless = false; },
    reapZombies,
    listen() { process.on('SIGCHLD', onSigchld); },
    hasChildren: () => !childless,
    onOrphan(handler) { orphanHandlers.push(handler); },
    onIdle(handler) { idleHandlers.push(handler); },
    onReaped(handler) { reapedHandlers.push(handler); },
  };
}
