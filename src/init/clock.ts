// Monotonic milliseconds for every deadline. process.hrtime is part of Node's
// bootstrap; the global `performance` would load perf_hooks (~0.7 MB RSS).
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
