// The host side of pidone oci wrap: which host files the container needs
// (the node binary, dist/, the native packages dist/ requires), and whether
// the bundle's root filesystem can run that node binary at all.
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, resolve } from 'node:path';
import { NODE_IN_CONTAINER, PKG_IN_CONTAINER, type BindMount } from './wrap';

export class HostError extends Error {}

// The package root: the nearest folder above this file with dist/pidone.js
// (dist/ itself when bundled, build/src/oci when run from the tsc output).
export function findPackageRoot(from: string = __dirname): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'dist', 'pidone.js')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

export function planBinds(nodePath: string, pidoneDir: string): BindMount[] {
  const node = realFile(nodePath, '--node');
  const pkg = realpathOr(pidoneDir);
  const dist = join(pkg, 'dist');
  for (const f of ['pidone.js', 'pidone-tools.js']) {
    if (!existsSync(join(dist, f))) throw new HostError(`--pidone ${pidoneDir}: ${join(dist, f)} is missing; point --pidone at the pidone package (the folder holding dist/), or run npm run build`);
  }
  const binds: BindMount[] = [
    { source: node, destination: NODE_IN_CONTAINER },
    { source: dist, destination: `${PKG_IN_CONTAINER}/dist` },
  ];
  for (const name of findRequiredPackages(dist)) {
    const dir = findPackageDir(name, pkg);
    if (dir === null) throw new HostError(`--pidone ${pidoneDir}: dist/ requires the package "${name}", which is not installed there; run npm ci in ${pkg}`);
    binds.push({ source: dir, destination: `${PKG_IN_CONTAINER}/node_modules/${name}` });
    // koffi loads its prebuilt native module from a sibling package (@koromix/koffi-linux-x64)
    if (name === 'koffi') {
      const prebuilt = join(dirname(dir), '@koromix', `koffi-${process.platform}-${process.arch}`);
      if (existsSync(prebuilt)) binds.push({ source: realpathSync(prebuilt), destination: `${PKG_IN_CONTAINER}/node_modules/@koromix/koffi-${process.platform}-${process.arch}` });
    }
  }
  return binds;
}

// The packages the bundles load at run time (require("koffi")); the rest is bundled in.
export function findRequiredPackages(dist: string): string[] {
  const builtins = new Set(builtinModules);
  const names = new Set<string>(['koffi']);
  for (const f of readdirSync(dist).filter((n) => n.endsWith('.js'))) {
    const text = readFileSync(join(dist, f), 'utf8');
    for (const m of text.matchAll(/\brequire\("([^"./][^"]*)"\)/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return [...names].sort();
}

// Node's lookup: FROM/node_modules/NAME, then the same in every folder above.
function findPackageDir(name: string, from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return null;
  }
}

function realFile(path: string, option: string): string {
  let real: string;
  try { real = realpathSync(path); } catch { throw new HostError(`${option} ${path}: no such file`); }
  const st = statSync(real);
  if (!st.isFile() || (st.mode & 0o111) === 0) throw new HostError(`${option} ${path}: not an executable file`);
  return real;
}

function realpathOr(path: string): string {
  try { return realpathSync(path); } catch { throw new HostError(`--pidone ${path}: no such directory`); }
}

// ---- can the root filesystem run the node binary? ----

export interface ElfNeeds {
  interpreter: string | null; // PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2
  needed: string[];           // DT_NEEDED, e.g. libstdc++.so.6
}

// null when the file is not a 64-bit little-endian ELF (then nothing is checked).
export function readElfNeeds(path: string): ElfNeeds | null {
  const fd = openSync(path, 'r');
  try {
    const read = (offset: number, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      return buf.subarray(0, n);
    };
    const eh = read(0, 64);
    if (eh.length < 64 || eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2 || eh[5] !== 1) return null;
    const phoff = Number(eh.readBigUInt64LE(0x20));
    const phentsize = eh.readUInt16LE(0x36);
    const phnum = eh.readUInt16LE(0x38);
    const ph = read(phoff, phentsize * phnum);
    const loads: Array<{ vaddr: number; offset: number; size: number }> = [];
    let interpreter: string | null = null;
    let dynamic: { offset: number; size: number } | null = null;
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      if (o + 56 > ph.length) break;
      const type = ph.readUInt32LE(o);
      const offset = Number(ph.readBigUInt64LE(o + 8));
      const vaddr = Number(ph.readBigUInt64LE(o + 16));
      const filesz = Number(ph.readBigUInt64LE(o + 32));
      if (type === 1) loads.push({ vaddr, offset, size: filesz });
      if (type === 2) dynamic = { offset, size: filesz };
      if (type === 3) interpreter = read(offset, filesz).toString('latin1').replace(/\0.*$/s, '');
    }
    const needed: string[] = [];
    if (dynamic) {
      const dyn = read(dynamic.offset, dynamic.size);
      const neededOffsets: number[] = [];
      let strtab = -1;
      for (let o = 0; o + 16 <= dyn.length; o += 16) {
        const tag = Number(dyn.readBigInt64LE(o));
        const val = Number(dyn.readBigUInt64LE(o + 8));
        if (tag === 0) break;
        if (tag === 1) neededOffsets.push(val);
        if (tag === 5) strtab = val;
      }
      const seg = loads.find((l) => strtab >= l.vaddr && strtab < l.vaddr + l.size);
      if (seg) {
        const base = strtab - seg.vaddr + seg.offset;
        for (const off of neededOffsets) needed.push(read(base + off, 256).toString('latin1').replace(/\0.*$/s, ''));
      }
    }
    return { interpreter, needed };
  } finally {
    closeSync(fd);
  }
}

// What the node binary needs that ROOTFS lacks: [] when it can run there (as far
// as a look at the usual library folders can tell).
export function findMissingInRootfs(rootfs: string, needs: ElfNeeds): string[] {
  const missing: string[] = [];
  if (needs.interpreter && resolveInRoot(rootfs, needs.interpreter) === null) missing.push(needs.interpreter);
  const dirs = libraryDirs(rootfs);
  const loader = needs.interpreter?.split('/').pop();
  for (const lib of needs.needed) {
    if (lib === loader) continue; // the loader itself, found above
    if (!dirs.some((d) => resolveInRoot(rootfs, posix.join(d, lib)) !== null)) missing.push(lib);
  }
  return missing;
}

function libraryDirs(rootfs: string): string[] {
  const dirs = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/local/lib'];
  for (const base of ['/lib', '/usr/lib']) {
    const real = resolveInRoot(rootfs, base);
    if (real === null) continue;
    try {
      for (const n of readdirSync(real)) if (/-linux-(gnu|musl)/.test(n)) dirs.push(`${base}/${n}`);
    } catch { /* not a folder */ }
  }
  return dirs;
}

// PATH inside ROOTFS, following symbolic links as the container would
// (an absolute link target starts again at ROOTFS). The host path, or null.
export function resolveInRoot(rootfs: string, path: string): string | null {
  const todo = path.split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '.') continue;
    if (part === '..') { done.pop(); continue; }
    const host = join(rootfs, ...done, part);
    let st;
    try { st = lstatSync(host); } catch { return null; }
    if (st.isSymbolicLink()) {
      if (++links > 40) return null;
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    done.push(part);
  }
  return join(rootfs, ...done);
}
