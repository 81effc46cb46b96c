// A unified diff of two texts, line by line, for pidone oci --dry-run.

export function diffLines(before: string, after: string, names: [string, string], context = 2): string {
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffOps(a, b);
  if (!ops.some((o) => o.kind !== 'same')) return '';
  const out = [`--- ${names[0]}`, `+++ ${names[1]}`];
  // group the ops into hunks: changes plus `context` unchanged lines around them
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.kind === 'same') i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== 'same') end++;
      let next = end;
      while (next < ops.length && ops[next]!.kind === 'same') next++;
      if (next < ops.length && next - end <= 2 * context) { end = next; continue; }
      end = Math.min(ops.length, end + context);
      break;
    }
    const hunk = ops.slice(start, end);
    const aStart = hunk[0]!.aLine;
    const bStart = hunk[0]!.bLine;
    const aCount = hunk.filter((o) => o.kind !== 'add').length;
    const bCount = hunk.filter((o) => o.kind !== 'del').length;
    out.push(`@@ -${aCount === 0 ? aStart : aStart + 1},${aCount} +${bCount === 0 ? bStart : bStart + 1},${bCount} @@`);
    for (const o of hunk) out.push(`${o.kind === 'same' ? ' ' : o.kind === 'del' ? '-' : '+'}${o.text}`);
    i = end;
  }
  return out.join('\n') + '\n';
}

interface Op { kind: 'same' | 'del' | 'add'; text: string; aLine: number; bLine: number } // 0-based line before the op

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// Longest common subsequence on what is left between the common head and tail.
function diffOps(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: 'same', text: a[k]!, aLine: k, bLine: k });
  const middle = am.length * bm.length <= 4_000_000 ? lcsOps(am, bm) : [...am.map((text) => ({ kind: 'del' as const, text })), ...bm.map((text) => ({ kind: 'add' as const, text }))];
  let ai = head;
  let bi = head;
  for (const o of middle) {
    ops.push({ ...o, aLine: ai, bLine: bi });
    if (o.kind !== 'add') ai++;
    if (o.kind !== 'del') bi++;
  }
  for (let k = 0; k < tail; k++) ops.push({ kind: 'same', text: a[ai + k]!, aLine: ai + k, bLine: bi + k });
  return ops;
}

function lcsOps(a: string[], b: string[]): Array<{ kind: Op['kind']; text: string }> {
  const n = a.length;
  const m = b.length;
  const len = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number): number => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      len[at(i, j)] = a[i] === b[j] ? len[at(i + 1, j + 1)]! + 1 : Math.max(len[at(i + 1, j)]!, len[at(i, j + 1)]!);
    }
  }
  const ops: Array<{ kind: Op['kind']; text: string }> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push({ kind: 'same', text: a[i]! }); i++; j++; }
    else if (i < n && (j >= m || len[at(i + 1, j)]! >= len[at(i, j + 1)]!)) { ops.push({ kind: 'del', text: a[i]! }); i++; }
    else { ops.push({ kind: 'add', text: b[j]! }); j++; }
  }
  return ops;
}
