// How many repetitions each metric gets. BENCH_QUICK=1 is a smoke run of a
// minute or two; the default profile is sized to finish within ~10 minutes on
// a loaded 2-core VM.

export interface Profile {
  name: 'quick' | 'default';
  startupReps: number;
  memoryReps: number;
  memorySettleMs: number;
  signalReps: number;
  signalCount: number;
  signalWarmup: number;
  signalGapUs: number;
  signalNumber: number;
  reapReps: number;
  reapBursts: number;
  reapBurstSize: number;
  reapPidsMax: number;
  shutdownReps: number;
  shutdownOrphans: number;
  logReps: number;
  logLines: number;          // lines the service writes per run
  logLineBytes: number;      // bytes per line, newline included
  logBlockBytes: number;     // the writer's write() size (a stdio buffer on a pipe)
  logSampleMs: number;       // period of the /proc/<init>/stat samples
  logTimeoutMs: number;      // per run
  supervisorReps: number;
  supervisorServices: number;
  supervisorSettleMs: number;
}

const DEFAULT_PROFILE: Profile = {
  name: 'default',
  startupReps: 30,
  memoryReps: 5,
  memorySettleMs: 1000,
  signalReps: 5,
  signalCount: 2000,
  signalWarmup: 100,
  signalGapUs: 100,
  signalNumber: 10, // SIGUSR1
  reapReps: 9,
  reapBursts: 10,
  reapBurstSize: 500,
  reapPidsMax: 2000,
  shutdownReps: 15,
  shutdownOrphans: 50,
  logReps: 3,
  logLines: 2_000_000,
  logLineBytes: 100,
  logBlockBytes: 4096,
  logSampleMs: 5,
  logTimeoutMs: 120_000,
  supervisorReps: 5,
  supervisorServices: 10,
  supervisorSettleMs: 2000,
};

const QUICK_PROFILE: Profile = {
  ...DEFAULT_PROFILE,
  name: 'quick',
  startupReps: 3,
  memoryReps: 1,
  signalReps: 1,
  signalCount: 300,
  signalWarmup: 30,
  reapReps: 1,
  shutdownReps: 2,
  logReps: 1,
  logLines: 500_000,
  supervisorReps: 1,
};

export function chooseProfile(env: NodeJS.ProcessEnv): Profile {
  return env.BENCH_QUICK === '1' ? QUICK_PROFILE : DEFAULT_PROFILE;
}
