// pidone oci wrap|unwrap BUNDLE: put pidone in front of an OCI runtime bundle's
// process (the way `docker run --init` injects its init), or take it out again.
//
//   pidone oci wrap BUNDLE [--node PATH] [--pidone DIR] [--up FILE] [--dry-run] [-- PIDONE_OPTIONS...]
//   pidone oci unwrap BUNDLE [--dry-run]
//
// Exit codes: 0 done (also "already wrapped" / "not wrapped"), 1 usage error,
// 2 config.json is unreadable, not JSON, or not a config pidone can wrap.
import { chownSync, closeSync, existsSync, fchmodSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { parseArgs } from '../cli/args';
import { EXIT_CONFIG, EXIT_USAGE } from '../core/exit-codes';
import { makeLogger } from '../init/log';
import { diffLines } from './diff';
import { findMissingInRootfs, findPackageRoot, HostError, planBinds, readElfNeeds, resolveInRoot } from './host';
import { detectIndent, parseJson, stringifyJson, type JsonObject } from './json';
import { validateConfig } from './validate';
import { checkPidoneFlags, NODE_IN_CONTAINER, unwrapConfig, wrapConfig, type WrapOptions } from './wrap';

export const OCI_USAGE = `Usage:
  pidone oci wrap BUNDLE [--node PATH] [--pidone DIR] [--up FILE] [--dry-run] [-- PIDONE_OPTIONS...]
  pidone oci unwrap BUNDLE [--dry-run]

wrap rewrites BUNDLE/config.json so that pidone runs as PID 1 in front of
process.args, as "docker run --init" does with its init. It bind-mounts, read-only:
  the node binary (--node, default: the node running this) at ${NODE_IN_CONTAINER}
  pidone's dist/ and koffi (--pidone, default: this pidone package) under /.pidone/pkg
The image must be able to run that node binary (glibc, libstdc++); wrap warns
when the root filesystem lacks what it needs. args, env, cwd and terminal stay
as they are; the original args are kept in the annotation io.pidone.wrapped.
Wrapping twice changes nothing; unwrap restores the file as it was.

  --up FILE       run "pidone up -f FILE" (FILE inside the container) instead of process.args
  --dry-run       print the change as a diff and write nothing
  -- OPTIONS      pidone's own options, e.g. -- --grace 5s -v
`;

interface OciArgs {
  action: 'wrap' | 'unwrap';
  bundle: string;
  node: string | null;
  pidone: string | null;
  up: string | null;
  dryRun: boolean;
  pidoneFlags: string[];
}

type Parsed = { kind: 'ok'; args: OciArgs } | { kind: 'help' } | { kind: 'usage-error'; message: string };

export function parseOciArgs(argv: readonly string[]): Parsed {
  const usage = (message: string): Parsed => ({ kind: 'usage-error', message });
  const action = argv[0];
  if (action === '-h' || action === '--help' || action === 'help') return { kind: 'help' };
  if (action !== 'wrap' && action !== 'unwrap') {
    return usage(action === undefined ? 'oci needs wrap or unwrap, e.g. pidone oci wrap ./bundle' : `oci: unknown command '${action}'; use wrap or unwrap`);
  }
  const o: OciArgs = { action, bundle: '', node: null, pidone: null, up: null, dryRun: false, pidoneFlags: [] };
  const bundles: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      if (action === 'unwrap') return usage('oci unwrap takes no pidone options after "--"');
      o.pidoneFlags = argv.slice(i + 1);
      break;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = (): string | null => (eq >= 0 ? arg.slice(eq + 1) : i + 1 < argv.length ? argv[++i]! : null);
    switch (name) {
      case '-h': case '--help': return { kind: 'help' };
      case '--dry-run': case '-n':
        if (eq >= 0) return usage('--dry-run takes no value');
        o.dryRun = true;
        break;
      case '--node': case '--pidone': case '--up': {
        if (action === 'unwrap') return usage(`${name} is for oci wrap; unwrap only takes --dry-run`);
        const v = value();
        if (!v) return usage(`${name} needs a ${name === '--up' ? 'config file path inside the container' : 'path'}`);
        if (name === '--node') o.node = v;
        else if (name === '--pidone') o.pidone = v;
        else o.up = v;
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') return usage(`oci ${action}: unknown option '${arg}'${action === 'wrap' ? '; pidone\'s own options go after "--"' : ''}`);
        bundles.push(arg);
    }
  }
  if (bundles.length !== 1) return usage(bundles.length === 0 ? `oci ${action} needs a bundle folder (the one holding config.json)` : `oci ${action} takes one bundle folder, not ${bundles.length}`);
  o.bundle = bundles[0]!;
  if (action === 'wrap') {
    const err = checkPidoneFlags(o.pidoneFlags, o.up !== null, (args) => {
      const mode = parseArgs(args, {});
      return mode.kind === 'usage-error' ? mode : mode.kind === 'run' ? { kind: 'run', commandIndex: mode.options.commandIndex } : { kind: mode.kind };
    });
    if (err) return usage(`options after "--": ${err}`);
  }
  return { kind: 'ok', args: o };
}

// Where the command's output goes (the tests pass their own).
export interface OciIo {
  out(text: string): void;     // results: the diff, "wrapped", "already wrapped"
  err(message: string): void;  // one line, without "pidone: " and the newline
}

const STDIO: OciIo = {
  out: (text) => writeSync(1, text),
  err: (message) => makeLogger(1).error(message),
};

export async function runOci(argv: readonly string[], io: OciIo = STDIO): Promise<number> {
  const parsed = parseOciArgs(argv);
  if (parsed.kind === 'help') { io.out(OCI_USAGE); return 0; }
  if (parsed.kind === 'usage-error') { io.err(`${parsed.message} (pidone oci -h shows how)`); return EXIT_USAGE; }
  const o = parsed.args;
  const name = join(o.bundle, 'config.json');

  // 1. read and check config.json: nothing is written unless all of it is right
  const read = readConfig(name, o.bundle, io);
  if (typeof read === 'number') return read;
  const { raw, config, args } = read;

  // 2. the new config
  let change: Change | number;
  if (o.action === 'wrap') {
    change = planWrap(o, name, config, args, io);
  } else {
    const r = unwrapConfig(config);
    if (r.kind === 'error') { io.err(`${name}: ${r.path}: ${r.message}`); return EXIT_CONFIG; }
    change = r.kind === 'not-wrapped'
      ? { next: null, summary: `${name}: not wrapped by pidone; nothing changed` }
      : { next: r.config, summary: `${name}: unwrapped: process.args is ${JSON.stringify((r.config.process as JsonObject).args)} again` };
  }
  if (typeof change === 'number') return change;
  if (change.next === null) { io.out(`${change.summary}\n`); return 0; }

  // 3. print it (--dry-run) or write it
  const text = renderLike(raw, change.next);
  if (o.dryRun) {
    io.out(diffLines(raw, text, [name, `${name} (${o.action === 'wrap' ? 'wrapped' : 'unwrapped'})`]));
    return 0;
  }
  try {
    writeAtomically(name, text);
  } catch (err) {
    io.err(`cannot write ${name}: ${(err as Error).message}`);
    return EXIT_CONFIG;
  }
  io.out(`${change.summary}\n`);
  return 0;
}

interface Change {
  next: JsonObject | null; // null: nothing to change
  summary: string;
}

function readConfig(name: string, bundle: string, io: OciIo): { raw: string; config: JsonObject; args: string[] } | number {
  let raw: string;
  try {
    raw = readFileSync(name, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `no such file; is ${bundle} an OCI bundle? (runc spec writes a config.json)` : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read it (${code ?? String(err)})`;
    io.err(`${name}: ${why}`);
    return EXIT_CONFIG;
  }
  const json = parseJson(raw);
  if (json.kind === 'error') {
    io.err(`${name}: invalid JSON at line ${json.line} column ${json.column}: ${json.message}; fix the file`);
    return EXIT_CONFIG;
  }
  const valid = validateConfig(json.value, (p) => existsSync(resolve(bundle, p)));
  if (valid.kind === 'invalid') {
    const { path, message } = valid.problem;
    io.err(path ? `${name}: ${path}: ${message}` : `${name}: ${message}`);
    return EXIT_CONFIG;
  }
  return { raw, config: valid.config, args: valid.args };
}

function planWrap(o: OciArgs, name: string, config: JsonObject, args: string[], io: OciIo): Change | number {
  let wrapOpts: WrapOptions;
  try {
    const pkg = o.pidone ?? findPackageRoot();
    if (pkg === null) throw new HostError('cannot find the pidone package (a folder with dist/pidone.js) above this file; pass --pidone DIR');
    wrapOpts = { binds: planBinds(o.node ?? process.execPath, pkg), pidoneFlags: o.pidoneFlags, up: o.up };
  } catch (err) {
    if (!(err instanceof HostError)) throw err;
    io.err(err.message);
    return EXIT_USAGE;
  }
  const r = wrapConfig(config, wrapOpts);
  if (r.kind === 'error') { io.err(`${name}: ${r.path}: ${r.message}`); return EXIT_CONFIG; }
  const rootfs = resolve(o.bundle, (config.root as JsonObject).path as string);
  warnIfRootfsCannotRunNode(rootfs, wrapOpts.binds[0]!.source, io);
  if (o.up !== null) warnIfMissingUpFile(rootfs, r.config, o.up, io);
  if (r.kind === 'unchanged') return { next: null, summary: `${name}: already wrapped; nothing changed` };
  const what = o.up !== null ? `pidone up -f ${o.up}` : `pidone in front of ${JSON.stringify(args)}`;
  return {
    next: r.config,
    summary: r.kind === 'wrapped'
      ? `${name}: wrapped: ${what} runs as PID 1 (undo: pidone oci unwrap ${o.bundle})`
      : `${name}: wrapped again with the new options: ${what} runs as PID 1`,
  };
}

// The new config in the old file's layout: its indentation, line ends, byte
// order mark and the white space around the value.
function renderLike(raw: string, next: JsonObject): string {
  const bom = raw.startsWith('\ufeff') ? '\ufeff' : '';
  const body = raw.slice(bom.length);
  const lead = /^\s*/.exec(body)![0];
  const trail = /\s*$/.exec(body)![0];
  let text = stringifyJson(next, detectIndent(body));
  if (body.includes('\r\n')) text = text.replace(/\n/g, '\r\n');
  return bom + lead + text + trail;
}

function warnIfRootfsCannotRunNode(rootfs: string, node: string, io: OciIo): void {
  let needs;
  try { needs = readElfNeeds(node); } catch { return; }
  if (needs === null) return;
  const missing = findMissingInRootfs(rootfs, needs);
  if (missing.length === 0) return;
  io.err(`warning: the root filesystem ${rootfs} lacks ${missing.join(', ')}, which ${node} needs, so ${NODE_IN_CONTAINER} cannot start there; ` +
    'use an image that has them, copy them in, or pass --node with a node binary the image can run');
}

function warnIfMissingUpFile(rootfs: string, config: JsonObject, file: string, io: OciIo): void {
  const cwd = typeof (config.process as JsonObject).cwd === 'string' ? (config.process as JsonObject).cwd as string : '/';
  const abs = posix.resolve(cwd, file);
  const mounted = Array.isArray(config.mounts) && config.mounts.some((m) => {
    const d = (m as JsonObject).destination;
    return typeof d === 'string' && (abs === d || abs.startsWith(d.endsWith('/') ? d : `${d}/`));
  });
  if (!mounted && resolveInRoot(rootfs, abs) === null) io.err(`warning: --up ${file}: ${abs} is not in the root filesystem ${rootfs}; pidone up will not start until it is there`);
}

// Temp file next to it, then rename: a crash leaves the old file or the new one, never half of one.
function writeAtomically(file: string, text: string): void {
  const target = realpathSync(file);
  const tmp = join(dirname(target), `.config.json.pidone-${process.pid}.tmp`);
  const old = statSync(target);
  const fd = openSync(tmp, 'w', old.mode & 0o7777);
  try {
    const buf = Buffer.from(text);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    fchmodSync(fd, old.mode & 0o7777); // openSync's mode went through the umask
    try { chownSync(tmp, old.uid, old.gid); } catch { /* not root: it stays ours */ }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, target);
}


