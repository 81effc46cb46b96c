// Stopping everything that is left once the main child is gone: SIGTERM to each
// remaining descendant, SIGKILL at the deadline, and wait until none is left.
// As PID 1 "descendants" is every process in the namespace; as a subreaper it is
// pidone's own subtree.
import { nameSignal, SIGNALS } from '../core/signals';
import { sendSignal } from '../sys/process';
import { monotonicMs } from './clock';
import type { Logger } from './log';
import { listDescendants, listPids, readCommandLine, readProcInfo } from './procfs';
import type { Reaper } from './reaper';

const POLL_MS = 20;

export interface TreeStop {
  run(deadlineAt: number): Promise<void>;
  hurry(): void;
}

export function makeTreeStop(selfPid: number, reaper: Reaper, log: Logger): TreeStop {
  const signalled = new Map<number, string>(); // pid -> command line, for reporting
  const lastSent = new Map<number, number>();   // pid -> last signal sent
  let deadline = Infinity;
  let wake: (() => void) | null = null;

  const report = log.enabled('info');
  reaper.onReaped(() => wake?.()); // re-scan as soon as something died, not at the next poll
  reaper.onOrphan((pid, ending) => {
    const cmd = signalled.get(pid);
    if (cmd === undefined) return;
    signalled.delete(pid);
    lastSent.delete(pid);
    const how = ending.kind === 'exited' ? `exited with code ${ending.code}` : `ended by ${nameSignal(ending.signum)}`;
    log.log('info', `pid ${pid} (${cmd}) ${how}`);
  });

  function listTargets(): number[] {
    const pids = selfPid === 1 ? listPids().filter((p) => p !== 1) : listDescendants(selfPid);
    return pids.filter((p) => {
      const info = readProcInfo(p);
      return info !== null && info.state !== 'Z' && !info.kernelThread; // kernel threads: pidone as a VM's init
    });
  }

  function signalAll(pids: number[], signum: number): void {
    for (const pid of pids) {
      if (lastSent.get(pid) === signum) continue;
      const cmd = signalled.get(pid) ?? (report ? readCommandLine(pid) : '');
      if (sendSignal(pid, signum).kind !== 'ok') continue;
      lastSent.set(pid, signum);
      if (signum === SIGNALS.SIGTERM && readProcInfo(pid)?.state === 'T') sendSignal(pid, SIGNALS.SIGCONT); // a stopped process must run to die
      if (!report) continue;
      signalled.set(pid, cmd);
      log.log('info', `sent ${nameSignal(signum)} to pid ${pid} (${cmd})`);
    }
  }

  // A pid that vanished (reaped by its own parent) may be reused by a new process.
  function forgetGone(targets: number[]): void {
    const live = new Set(targets);
    for (const pid of lastSent.keys()) if (!live.has(pid)) lastSent.delete(pid);
  }

  async function run(deadlineAt: number): Promise<void> {
    deadline = deadlineAt;
    let killing = false;
    for (;;) {
      reaper.reapZombies();
      const targets = listTargets();
      forgetGone(targets);
      if (targets.length === 0 && !reaper.hasChildren()) return;
      if (!killing && monotonicMs() >= deadline) {
        killing = true;
        if (targets.length > 0) log.log('info', `grace period over: sending SIGKILL to ${targets.length} remaining process(es)`);
      }
      if (killing) {
        signalAll(targets, SIGNALS.SIGKILL);
        if (selfPid === 1) sendSignal(-1, SIGNALS.SIGKILL); // catches anything forked since the scan
      } else {
        signalAll(targets, SIGNALS.SIGTERM);
      }
      await sleep(Math.max(1, Math.min(POLL_MS, deadline - monotonicMs())));
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { wake = null; resolve(); }, ms);
      wake = () => { clearTimeout(t); wake = null; resolve(); };
    });
  }

  return {
    run,
    hurry() {
      deadline = monotonicMs();
      wake?.();
    },
  };
}
