// The services' dependency graph: cycles, start and stop order. Pure.
// Validation rejects cycles, unknown names and duplicates with a message for
// the user; the plain Errors thrown here only guard against a bug upstream.

export interface GraphNode {
  name: string;
  dependsOn: readonly { service: string }[];
}

// A cycle along dependency edges, closed on its first name (['web', 'api', 'web']),
// or null. Unknown dependency names are skipped here.
export function findCycle(services: readonly GraphNode[]): string[] | null {
  const byName = indexByName(services);
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();

  function visit(name: string): string[] | null {
    if (onPath.has(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name)) return null;
    const node = byName.get(name);
    if (!node) return null;
    path.push(name);
    onPath.add(name);
    for (const dep of node.dependsOn) {
      const cycle = visit(dep.service);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(name);
    done.add(name);
    return null;
  }

  for (const s of services) {
    const cycle = visit(s.name);
    if (cycle) return cycle;
  }
  return null;
}

// Waves: a service is in the wave after the latest wave of its dependencies,
// so everything it needs has started before it; file order within a wave.
export function orderStart(services: readonly GraphNode[]): string[][] {
  const byName = checkGraph(services);
  return groupByLevel(services, (name) => byName.get(name)!.dependsOn.map((d) => d.service));
}

// The mirror image: a service is in the wave after the latest wave of its
// dependents, so nothing still running needs it. A service nobody depends on
// stops in the first wave, however deep its own dependencies go.
export function orderStop(services: readonly GraphNode[]): string[][] {
  checkGraph(services);
  const dependents = mapDirectDependents(services);
  return groupByLevel(services, (name) => dependents.get(name)!);
}

// Everything that needs `name`, directly or through others, in file order.
export function listDependents(services: readonly GraphNode[], name: string): string[] {
  const byName = checkGraph(services);
  if (!byName.has(name)) throw new Error(`graph: unknown service "${name}"`);
  const dependents = mapDirectDependents(services);
  const found = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    for (const d of dependents.get(queue.shift()!)!) {
      if (!found.has(d)) {
        found.add(d);
        queue.push(d);
      }
    }
  }
  return services.map((s) => s.name).filter((n) => found.has(n));
}

function indexByName(services: readonly GraphNode[]): Map<string, GraphNode> {
  return new Map(services.map((s) => [s.name, s]));
}

function checkGraph(services: readonly GraphNode[]): Map<string, GraphNode> {
  const byName = indexByName(services);
  if (byName.size !== services.length) throw new Error('graph: duplicate service names');
  for (const s of services) {
    for (const d of s.dependsOn) {
      if (!byName.has(d.service)) throw new Error(`graph: "${s.name}" depends on unknown service "${d.service}"`);
    }
  }
  const cycle = findCycle(services);
  if (cycle) throw new Error(`graph: dependency cycle ${cycle.join(' -> ')}`);
  return byName;
}

function mapDirectDependents(services: readonly GraphNode[]): Map<string, string[]> {
  const dependents = new Map<string, string[]>(services.map((s) => [s.name, []]));
  for (const s of services) {
    for (const d of new Set(s.dependsOn.map((x) => x.service))) dependents.get(d)!.push(s.name);
  }
  return dependents;
}

// level(n) = 0 without predecessors, else 1 + the highest level among them.
// Only called on a checked (acyclic, closed) graph.
function groupByLevel(services: readonly GraphNode[], predecessors: (name: string) => string[]): string[][] {
  const level = new Map<string, number>();
  function levelOf(name: string): number {
    const known = level.get(name);
    if (known !== undefined) return known;
    const l = Math.max(-1, ...predecessors(name).map(levelOf)) + 1;
    level.set(name, l);
    return l;
  }
  const waves: string[][] = [];
  for (const s of services) (waves[levelOf(s.name)] ??= []).push(s.name);
  return waves;
}
