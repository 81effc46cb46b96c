// Cross-references between services: every dependency exists, is not the
// service itself, fits its condition, and the graph has no cycle.
import { findCycle } from '../core/graph';
import { fail, type Cursor } from './cursor';
import type { ParsedService } from './service';
import { formatChoices, suggestName } from './suggest';

export function checkDependencies(services: readonly ParsedService[]): void {
  const byName = new Map(services.map((s) => [s.config.name, s.config]));
  const names = [...byName.keys()];
  for (const { config, dependencyCursors } of services) {
    const seen = new Set<string>();
    config.dependsOn.forEach((dep, i) => {
      const at = dependencyCursors[i]!;
      if (dep.service === config.name) fail(at, `service "${config.name}" depends on itself; remove this entry`, 'another service');
      const target = byName.get(dep.service);
      if (!target) {
        const hint = suggestName(dep.service, names.filter((n) => n !== config.name));
        const fix = hint ? `did you mean "${hint}"?` : `services are ${formatChoices(names)}`;
        fail(at, `service "${dep.service}" does not exist; ${fix}`, 'the name of a service in this file');
      }
      if (seen.has(dep.service)) fail(at, `"${dep.service}" is listed twice; remove one`, 'each service once');
      seen.add(dep.service);
      if (dep.condition === 'completed_successfully' && !target.oneshot) {
        fail(at, `condition completed_successfully needs "${dep.service}" to be oneshot: true; add it there or use condition started or ready`, 'started or ready');
      }
    });
  }
}

export function checkCycles(services: readonly ParsedService[], at: Cursor): void {
  const cycle = findCycle(services.map((s) => s.config));
  if (cycle) fail(at, `dependency cycle ${cycle.join(' -> ')}; remove one of these depends_on entries`, 'an acyclic depends_on graph');
}
