// Order statistics over plain number arrays. Empty input gives NaN, which the
// tables print as "n/a".

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

// Nearest-rank percentile (p in 0..100), the convention latency tools use.
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function maximum(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => Math.max(a, b));
}

export function minimum(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => Math.min(a, b));
}

export function divideOrNaN(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}
