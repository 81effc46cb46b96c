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
};

export function chooseProfile(env: NodeJS.ProcessEnv): Profile {
  return env.BENCH_QUICK === '1' ? QUICK_PROFILE : DEFAULT_PROFILE;
}
