// "Did you mean" for unknown keys, enum values, signals and service names.

// Optimal string alignment distance: Levenshtein plus adjacent transpositions,
// so "restrat" is one edit from "restart".
export function measureEditDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function normalizeName(s: string): string {
  return s.toLowerCase().replace(/[-_.\s]/g, '');
}

// Short words get one edit, so "NOPE" does not suggest "FPE".
function allowDistance(word: string): number {
  return word.length <= 4 ? 1 : 2;
}

// The closest candidate within reach, or one equal up to case and separators
// (camelCase "onGiveUp" finds "on_give_up"); null when nothing is close.
export function suggestName(word: string, candidates: readonly string[]): string | null {
  const norm = normalizeName(word);
  const same = candidates.find((c) => normalizeName(c) === norm);
  if (same !== undefined) return same;
  let best: string | null = null;
  let bestDistance = allowDistance(word) + 1;
  for (const c of candidates) {
    const d = measureEditDistance(word, c);
    if (d < bestDistance && d < c.length) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

export function formatChoices(candidates: readonly string[]): string {
  return candidates.join(', ');
}
