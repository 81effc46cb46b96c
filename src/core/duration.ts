export type DurationParse =
  | { kind: 'ok'; ms: number }
  | { kind: 'invalid'; reason: string };

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_MS = 24 * 3_600_000;

// "500ms", "5s", "1.5s", "2m"; a bare number means seconds, as in Docker's --stop-timeout.
export function parseDuration(text: string): DurationParse {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return { kind: 'invalid', reason: `"${text}" is not a duration (use e.g. 500ms, 5s, 2m)` };
  const ms = Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!);
  if (ms > MAX_MS) return { kind: 'invalid', reason: `"${text}" is longer than 24h` };
  return { kind: 'ok', ms };
}

export function formatDuration(ms: number): string {
  const whole = Math.round(ms);
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}
