// Targets from the issue, judged in the open: a figure that misses says "no".

export type Verdict = 'yes' | 'no' | 'n/a';

export function judgeAtMost(value: number, limit: number): Verdict {
  if (!Number.isFinite(value) || !Number.isFinite(limit)) return 'n/a';
  return value <= limit ? 'yes' : 'no';
}

export function judgeAtLeast(value: number, limit: number): Verdict {
  if (!Number.isFinite(value) || !Number.isFinite(limit)) return 'n/a';
  return value >= limit ? 'yes' : 'no';
}

export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('no')) return 'no';
  if (verdicts.includes('n/a')) return 'n/a';
  return 'yes';
}

export const START_UP_VS_BARE_NODE = 1.5;   // exec -> child <= 1.5x `node -e 0` (exec -> exit)
export const RSS_LIMIT_MIB_NODE20 = 45;     // VmRSS with one idle child, Node 20
export const SIGNAL_P50_LIMIT_NS = 100_000; // newest Node
export const SIGNAL_P99_LIMIT_NS = 1_000_000;
export const REAP_TIME_VS_TINI = 1.2;
export const REAP_CPU_VS_TINI = 2;
export const LOG_MBPS_MIN = 100;            // pidone up, one service, text and JSON modes; 0 lines lost
