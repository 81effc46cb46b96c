// Metrics the issue asks for that are not measured yet. They are listed in the
// output and the JSON as "not measured" so that nobody mistakes a gap for a
// figure. To add one: write metrics/<id>.ts exporting measure<Name>(ctx) that
// returns a MetricReport, register it in METRICS in bench.ts, and remove it here.
// Log throughput is metrics/logs.ts; supervisor RSS (10 idle services, and per
// extra service) is metrics/supervisor-memory.ts. What is left of the issue's
// multi-service item is below.

export interface PlannedMetric {
  id: string;
  title: string;
  waitsFor: string;
}

export const PLANNED_METRICS: readonly PlannedMetric[] = [
  {
    id: 'multi-service-timing',
    title: 'Multi-service timing: start-up to all-ready, restart latency with backoff, ordered stop time',
    waitsFor: 'someone to write it (supervisor mode exists; its memory is measured by supervisor-memory)',
  },
];
