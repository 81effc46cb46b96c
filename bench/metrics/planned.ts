// Metrics the issue asks for that are not measured yet. They are listed in the
// output and the JSON as "not measured" so that nobody mistakes a gap for a
// figure. To add one: write metrics/<id>.ts exporting measure<Name>(ctx) that
// returns a MetricReport, register it in METRICS in bench.ts, and remove it here.

export interface PlannedMetric {
  id: string;
  title: string;
  waitsFor: string;
}

export const PLANNED_METRICS: readonly PlannedMetric[] = [
  {
    id: 'log-throughput',
    title: 'Log throughput: MB/s of child stdout through the init (pass-through and prefixed/JSON-lines modes), and the init\'s CPU per MB',
    waitsFor: 'the supervisor\'s log handling (single mode passes fds straight through, so there is nothing of pidone\'s to measure yet)',
  },
  {
    id: 'multi-service',
    title: 'Multi-service: start-up to all-ready, RSS per extra service, restart latency with backoff, ordered stop time',
    waitsFor: 'supervisor mode (config file, readiness, dependency order)',
  },
];
