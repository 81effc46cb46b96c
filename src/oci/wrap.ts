// The pure part of pidone oci wrap/unwrap: an OCI config in, a new config out.
// wrap puts pidone in front of process.args the way `docker run --init` puts
// its init there, and adds the read-only mounts pidone runs from. What it did
// is recorded in an annotation, so unwrap restores the config exactly and a
// second wrap with the same options changes nothing.
import { cloneJson, equalJson, isJsonObject, type JsonObject, type JsonValue } from './json';

export const PIDONE_DIR = '/.pidone';                   // a small tmpfs holding the mount points below
export const NODE_IN_CONTAINER = '/.pidone/node';       // the node binary
export const PKG_IN_CONTAINER = '/.pidone/pkg';         // the pidone package: dist/, node_modules/koffi...
export const PIDONE_IN_CONTAINER = `${PKG_IN_CONTAINER}/dist/pidone.js`;
export const ANNOTATION = 'io.pidone.wrapped';
const TMPFS_OPTIONS = ['nosuid', 'nodev', 'mode=755', 'size=64k'];
const BIND_OPTIONS = ['rbind', 'ro', 'nosuid', 'nodev'];

export interface BindMount {
  source: string;      // host path
  destination: string; // path in the container, under PIDONE_DIR
}

export interface WrapOptions {
  binds: BindMount[];     // read-only bind mounts, in order (see host.ts)
  pidoneFlags: string[];  // pidone's own options, e.g. ["--grace", "5s"]
  up: string | null;      // a config file in the container: run `pidone up -f FILE` instead of process.args
}

// What the annotation holds (as JSON text).
export interface WrapRecord {
  v: 1;
  args: string[];        // process.args before wrap
  prefix: string[];      // what wrap put in front of them (all of process.args with --up)
  up: boolean;
  mounts: string[];      // destinations wrap added to mounts
  hadMounts: boolean;    // config.mounts existed before wrap
  hadAnnotations: boolean;
}

export type WrapResult =
  | { kind: 'wrapped'; config: JsonObject }     // was not wrapped
  | { kind: 'rewrapped'; config: JsonObject }   // was wrapped with other options
  | { kind: 'unchanged'; config: JsonObject }   // already wrapped exactly so
  | { kind: 'error'; path: string; message: string };

export type UnwrapResult =
  | { kind: 'unwrapped'; config: JsonObject }
  | { kind: 'not-wrapped'; config: JsonObject }
  | { kind: 'error'; path: string; message: string };

// config must have passed validateConfig.
export function wrapConfig(config: JsonObject, opts: WrapOptions): WrapResult {
  let base = config;
  const wasWrapped = readAnnotation(config) !== undefined;
  if (wasWrapped) {
    const u = unwrapConfig(config);
    if (u.kind === 'error') return u;
    base = u.config;
  } else {
    const taken = mountsOf(config).find((m) => isUnder(m, PIDONE_DIR));
    if (taken !== undefined) return { kind: 'error', path: 'mounts', message: `something is already mounted at ${taken}, where pidone mounts itself; remove that mount` };
  }
  const bad = opts.binds.find((b) => !isUnder(b.destination, PIDONE_DIR) || b.destination === PIDONE_DIR);
  if (bad) return { kind: 'error', path: 'mounts', message: `internal: bind destination ${bad.destination} is not under ${PIDONE_DIR}` };

  const next = cloneJson(base);
  const proc = next.process as JsonObject;
  const args = (proc.args as string[]).slice();
  const prefix = opts.up !== null
    ? [NODE_IN_CONTAINER, PIDONE_IN_CONTAINER, 'up', '-f', opts.up, ...opts.pidoneFlags]
    : [NODE_IN_CONTAINER, PIDONE_IN_CONTAINER, ...opts.pidoneFlags, '--'];
  proc.args = opts.up !== null ? prefix.slice() : [...prefix, ...args];

  const added: JsonObject[] = [
    { destination: PIDONE_DIR, type: 'tmpfs', source: 'tmpfs', options: TMPFS_OPTIONS.slice() },
    ...opts.binds.map((b): JsonObject => ({ destination: b.destination, type: 'bind', source: b.source, options: BIND_OPTIONS.slice() })),
  ];
  const hadMounts = next.mounts !== undefined;
  next.mounts = [...mountsArray(next), ...added];

  const hadAnnotations = next.annotations !== undefined;
  const record: WrapRecord = {
    v: 1, args, prefix, up: opts.up !== null,
    mounts: added.map((m) => m.destination as string),
    hadMounts, hadAnnotations,
  };
  const annotations = isJsonObject(next.annotations) ? next.annotations : {};
  annotations[ANNOTATION] = JSON.stringify(record);
  next.annotations = annotations;

  if (!wasWrapped) return { kind: 'wrapped', config: next };
  return equalJson(next, config) ? { kind: 'unchanged', config } : { kind: 'rewrapped', config: next };
}

export function unwrapConfig(config: JsonObject): UnwrapResult {
  const text = readAnnotation(config);
  if (text === undefined) return { kind: 'not-wrapped', config };
  const record = parseRecord(text);
  const path = `annotations.${ANNOTATION}`;
  if (record === null) return { kind: 'error', path, message: 'is not what pidone oci wrap writes; restore process.args and mounts by hand, then remove this annotation' };

  const next = cloneJson(config);
  const proc = next.process as JsonObject;
  const current = proc.args as string[];
  const startsWithPrefix = record.prefix.every((a, i) => current[i] === a) && (!record.up || current.length === record.prefix.length);
  if (!startsWithPrefix) {
    return { kind: 'error', path: 'process.args', message: `was changed after pidone oci wrap: it no longer starts with ${JSON.stringify(record.prefix)}; set it back, or unwrap by hand` };
  }
  const restored = record.up ? record.args : current.slice(record.prefix.length);
  if (restored.length === 0) return { kind: 'error', path: 'process.args', message: 'has no command after pidone\'s "--"; add the command back, or unwrap by hand' };
  proc.args = restored.slice();

  const left = [...record.mounts];
  const mounts = mountsArray(next).filter((m) => {
    const i = isJsonObject(m) ? left.indexOf(m.destination as string) : -1;
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
  if (mounts.length === 0 && !record.hadMounts) delete next.mounts;
  else next.mounts = mounts;

  const annotations = next.annotations as JsonObject;
  delete annotations[ANNOTATION];
  if (Object.keys(annotations).length === 0 && !record.hadAnnotations) delete next.annotations;
  return { kind: 'unwrapped', config: next };
}

// pidone's flags are checked when the bundle is wrapped, not when the container starts.
// parse: the CLI's own parser (cli/args parseArgs), adapted by the caller.
export interface ParsedMode { kind: string; message?: string; commandIndex?: number }

export function checkPidoneFlags(flags: readonly string[], up: boolean, parse: (args: string[]) => ParsedMode): string | null {
  if (flags.includes('--')) return 'pidone options cannot contain a second "--"';
  if (up && flags.some((f) => f === '-f' || f === '--file' || f.startsWith('--file='))) return 'the config file is named by --up FILE, not by -f after "--"';
  const mode = up ? parse(['up', '-f', 'x', ...flags]) : parse([...flags, '--', 'command']);
  if (mode.kind === 'usage-error') return mode.message ?? 'bad pidone option';
  if (mode.kind !== (up ? 'up' : 'run')) return `"${flags.join(' ')}" asks pidone for ${mode.kind}; only options that change how it runs can go after "--"`;
  if (!up && mode.commandIndex !== undefined && mode.commandIndex !== flags.length + 1) {
    return `"${flags[mode.commandIndex] ?? ''}" is not a pidone option; the container's command comes from process.args`;
  }
  return null;
}

export function readAnnotation(config: JsonObject): string | undefined {
  const a = config.annotations;
  if (!isJsonObject(a)) return undefined;
  const v = a[ANNOTATION];
  return typeof v === 'string' ? v : undefined;
}

export function parseRecord(text: string): WrapRecord | null {
  let r: unknown;
  try { r = JSON.parse(text); } catch { return null; }
  if (typeof r !== 'object' || r === null) return null;
  const o = r as Record<string, unknown>;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (o.v !== 1 || !strings(o.args) || !strings(o.prefix) || !strings(o.mounts) || o.prefix.length < 2) return null;
  if (typeof o.up !== 'boolean' || typeof o.hadMounts !== 'boolean' || typeof o.hadAnnotations !== 'boolean') return null;
  return o as unknown as WrapRecord;
}

function mountsArray(config: JsonObject): JsonValue[] {
  return Array.isArray(config.mounts) ? config.mounts : [];
}

function mountsOf(config: JsonObject): string[] {
  return mountsArray(config).flatMap((m) => (isJsonObject(m) && typeof m.destination === 'string' ? [m.destination] : []));
}

function isUnder(path: string, dir: string): boolean {
  const p = path.replace(/\/+$/, '');
  return p === dir || p.startsWith(`${dir}/`);
}
