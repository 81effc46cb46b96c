// Markdown tables and the number formats used in them.

export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  notes: string[];
}

export function renderTable(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [`### ${t.title}`, '', line(t.header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`];
  for (const r of t.rows) out.push(line(t.header.map((_, i) => r[i] ?? '')));
  if (t.notes.length > 0) out.push('', ...t.notes.map((n) => `- ${n}`));
  return `${out.join('\n')}\n`;
}

export function formatMs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  const ms = ns / 1e6;
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
}

export function formatUs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  const us = ns / 1e3;
  return `${us < 100 ? us.toFixed(1) : us.toFixed(0)} µs`;
}

export function formatMiB(kib: number): string {
  return Number.isFinite(kib) ? `${(kib / 1024).toFixed(2)} MiB` : 'n/a';
}

export function formatRatio(value: number, reference: number | null): string {
  if (reference === null) return 'n/a (no tini)';
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference === 0) return 'n/a';
  const r = value / reference;
  return `${r < 10 ? r.toFixed(2) : r.toFixed(1)}×`;
}

export function formatCount(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n)) : 'n/a';
}
