// What every metric gets, and what it hands back.
import type { CgroupSupport } from '../cgroup';
import type { HelperBins } from '../helpers-build';
import type { Profile } from '../profile';
import type { Subject } from '../subjects';
import type { Table } from '../table';

export interface BenchContext {
  profile: Profile;
  repoRoot: string;
  pidoneJs: string;      // dist/pidone.js, for modes that Subject.command() does not cover (pidone up)
  subjects: Subject[];
  bins: HelperBins;
  tmpDir: string;        // FIFOs live here
  cgroups: CgroupSupport;
  progress(message: string): void;
}

export interface MetricReport {
  id: string;
  tables: Table[];
  skipped: string | null; // why the metric did not run at all
  data: unknown;          // raw figures for the JSON file
}

// Round-robin order for repetition `rep`: everyone goes first once in a while.
export function rotate<T>(items: readonly T[], rep: number): T[] {
  if (items.length === 0) return [];
  const k = rep % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

// Samples per subject id, in insertion order.
export class SampleBook {
  private readonly book = new Map<string, number[]>();
  add(id: string, value: number): void {
    const list = this.book.get(id);
    if (list) list.push(value); else this.book.set(id, [value]);
  }
  get(id: string): number[] {
    return this.book.get(id) ?? [];
  }
  toJSON(): Record<string, number[]> {
    return Object.fromEntries(this.book);
  }
}

export const NS_PER_MS = 1e6;
