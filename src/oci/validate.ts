// What pidone oci needs to be true of a bundle's config.json before it changes
// anything. Pure: the one question that needs the disk (does root.path exist)
// is asked through a function the caller passes in.
import { isJsonObject, type JsonObject, type JsonValue } from './json';

export const KNOWN_OCI_VERSIONS = '1.0-1.2';
const KNOWN_OCI_VERSION = /^1\.[012]\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/;

export interface OciProblem {
  path: string;    // where in config.json, e.g. "process.args"; '' for the whole file
  message: string; // what is wrong and how to fix it
}

export type Validated =
  | { kind: 'ok'; config: JsonObject; process: JsonObject; args: string[] }
  | { kind: 'invalid'; problem: OciProblem };

export function validateConfig(value: JsonValue, rootExists: (rootPath: string) => boolean): Validated {
  const bad = (path: string, message: string): Validated => ({ kind: 'invalid', problem: { path, message } });
  if (!isJsonObject(value)) return bad('', 'the file must hold a JSON object (an OCI runtime config), not ' + describe(value));
  const version = value.ociVersion;
  if (version === undefined) return bad('ociVersion', `missing; an OCI runtime config names its spec version, e.g. "ociVersion": "1.0.2"`);
  if (typeof version !== 'string') return bad('ociVersion', `must be a string such as "1.0.2", not ${describe(version)}`);
  if (!KNOWN_OCI_VERSION.test(version)) return bad('', `unknown ociVersion "${version}"; pidone knows ${KNOWN_OCI_VERSIONS}`);

  const proc = value.process;
  if (proc === undefined) return bad('process', 'missing; pidone wraps process.args, so the config must have a process');
  if (!isJsonObject(proc)) return bad('process', `must be an object, not ${describe(proc)}`);
  const args = proc.args;
  if (args === undefined) return bad('process.args', 'missing; it must be a non-empty array of strings such as ["/app/server"]');
  if (!Array.isArray(args) || args.length === 0) return bad('process.args', `must be a non-empty array of strings, not ${describe(args)}`);
  const notString = args.findIndex((a) => typeof a !== 'string');
  if (notString >= 0) return bad(`process.args[${notString}]`, `must be a string, not ${describe(args[notString]!)}`);

  const root = value.root;
  if (!isJsonObject(root)) return bad('root', root === undefined ? 'missing; it must name the root filesystem, e.g. {"path": "rootfs"}' : `must be an object, not ${describe(root)}`);
  if (typeof root.path !== 'string' || root.path === '') return bad('root.path', `must be a path such as "rootfs", not ${describe(root.path)}`);
  if (!rootExists(root.path)) return bad('root.path', `"${root.path}" does not exist; create the root filesystem or fix the path`);

  if (value.mounts !== undefined) {
    if (!Array.isArray(value.mounts)) return bad('mounts', `must be an array, not ${describe(value.mounts)}`);
    const i = value.mounts.findIndex((m) => !isJsonObject(m) || typeof m.destination !== 'string');
    if (i >= 0) return bad(`mounts[${i}]`, 'must be an object with a "destination" string');
  }
  if (value.annotations !== undefined) {
    if (!isJsonObject(value.annotations)) return bad('annotations', `must be an object of strings, not ${describe(value.annotations)}`);
    const key = Object.keys(value.annotations).find((k) => typeof (value.annotations as JsonObject)[k] !== 'string');
    if (key !== undefined) return bad(`annotations.${key}`, 'must be a string');
  }
  return { kind: 'ok', config: value, process: proc, args: args as string[] };
}

export function describe(v: JsonValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty array' : 'an array';
  if (isJsonObject(v)) return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return `the number ${v.text}`;
  return `${typeof v} ${String(v)}`;
}
