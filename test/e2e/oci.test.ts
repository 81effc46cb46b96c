// pidone oci wrap/unwrap with real container runtimes (runc and crun): a
// minimal root filesystem (busybox plus the libraries the node binary needs;
// node and pidone themselves come in through wrap's read-only bind mounts),
// one bundle per run, each container bounded in time and always deleted.
// Each check runs wrapped (pidone as PID 1) and, where the contrast is
// reliable, unwrapped (the image's own process as PID 1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir, NODE as NODE_CMD, PIDONE, sleep } from './harness';

const RUNTIMES = ['runc', 'crun'] as const;
type RuntimeName = typeof RUNTIMES[number];
const BUSYBOX_APPLETS = ['sh', 'sleep', 'echo', 'cat', 'grep', 'wc', 'ls', 'ps', 'kill', 'true', 'false'];
const COUNT_ZOMBIES = 'grep -l "^State:.Z" /proc/[0-9]*/status 2>/dev/null | wc -l';
const RUN_TIMEOUT_MS = 20_000;

// PIDONE_NODE may be a bare name ("node"): wrap and ldd need the file.
const NODE = NODE_CMD.includes('/') ? NODE_CMD : which(NODE_CMD) ?? NODE_CMD;

// ---- skipping: outside CI a missing tool skips with a reason; under CI=true it fails ----

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v "${cmd}"`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function commonMissing(): string | null {
  if (process.getuid?.() !== 0) return 'not root (runc and crun need it)';
  if (!existsSync(PIDONE)) return `${PIDONE} is missing; run npm run build`;
  if (!which('busybox')) return 'busybox is not installed (apt-get install busybox-static)';
  if (!which('ldd')) return 'ldd is not installed';
  return null;
}

function skipReason(rt: RuntimeName): string | false {
  const reason = commonMissing() ?? (which(rt) ? null : `${rt} is not installed (apt-get install ${rt})`);
  if (reason && process.env.CI === 'true') throw new Error(`CI=true but the oci end-to-end tests cannot run: ${reason}`);
  if (reason) process.stderr.write(`skipping oci end-to-end tests with ${rt}: ${reason}\n`);
  return reason ?? false;
}

// ---- the root filesystem, built once and shared read-only by every container ----

const work = makeTempDir();
let rootfs = '';

function buildRootfs(): string {
  const root = join(work, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc', '.pidone']) mkdirSync(join(root, d), { recursive: true });
  const busybox = which('busybox')!;
  copyFileSync(busybox, join(root, 'bin', 'busybox'));
  spawnSync('chmod', ['755', join(root, 'bin', 'busybox')]);
  for (const applet of BUSYBOX_APPLETS) symlinkSync('busybox', join(root, 'bin', applet));
  // the shared libraries of node (and of busybox, when it is not the static build)
  for (const bin of [NODE, busybox]) {
    const r = spawnSync('ldd', [bin], { encoding: 'utf8' });
    for (const m of r.stdout.matchAll(/(\/\S+) \(0x/g)) {
      const lib = m[1]!;
      const dest = join(root, lib);
      if (existsSync(dest)) continue;
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(lib, dest); // follows symlinks: the real file lands under the link's name
    }
  }
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\n');
  writeFileSync(join(root, 'etc', 'pidone.yaml'), UP_CONFIG);
  return root;
}

// ---- runtimes ----

interface Runtime {
  name: RuntimeName;
  runArgv(bundle: string, id: string): string[]; // foreground run: its exit status is the container's
  kill(id: string, signal: string): void;
  remove(id: string): void;
}

// crun refuses a hybrid cgroup layout with controllers on the v2 hierarchy
// ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"),
// which is what this kind of VM has. It then runs in a private mount namespace
// where /sys/fs/cgroup/unified is unmounted, so it sees plain cgroup v1.
function makeRuntime(name: RuntimeName): Runtime {
  let prefix: string[] = [];
  if (name === 'crun' && crunNeedsV1View()) {
    process.stderr.write('oci tests: crun rejects the hybrid cgroup layout here; running it with /sys/fs/cgroup/unified unmounted in a private mount namespace\n');
    prefix = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'umount -l /sys/fs/cgroup/unified && exec "$@"', 'sh'];
  }
  return {
    name,
    runArgv: (bundle, id) => [...prefix, name, 'run', '--bundle', bundle, id],
    kill: (id, signal) => { spawnSync(name, ['kill', id, signal], { stdio: 'ignore', timeout: 5000 }); },
    remove: (id) => {
      spawnSync(name, ['kill', id, 'KILL'], { stdio: 'ignore', timeout: 5000 });
      spawnSync(name, ['delete', '-f', id], { stdio: 'ignore', timeout: 5000 });
    },
  };
}

function crunNeedsV1View(): boolean {
  const bundle = makeBundle('crun', ['true'], { wrap: false });
  const id = containerId('crun-probe');
  const r = spawnSync('crun', ['run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 10_000 });
  spawnSync('crun', ['delete', '-f', id], { stdio: 'ignore' });
  return r.status !== 0 && /hybrid mode/.test(r.stderr);
}

let ids = 0;
function containerId(tag: string): string {
  return `pidone-oci-${process.pid}-${++ids}-${tag}`;
}

// ---- bundles ----

interface BundleOptions {
  wrap: boolean;
  pidoneFlags?: string[];
  up?: string;
}

let bundles = 0;
function makeBundle(rt: RuntimeName, args: string[], o: BundleOptions): string {
  const dir = join(work, `bundle-${++bundles}`);
  mkdirSync(dir);
  const spec = spawnSync(rt, ['spec'], { cwd: dir, encoding: 'utf8' });
  assert.equal(spec.status, 0, `${rt} spec: ${spec.stderr}`);
  const file = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.process.args = args;
  config.process.terminal = false;
  config.root = { path: rootfs, readonly: true };
  config.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=1m'] });
  writeFileSync(file, JSON.stringify(config, null, '\t') + '\n');
  if (o.wrap) {
    const extra = o.up ? ['--up', o.up] : [];
    const r = spawnSync(NODE, [PIDONE, 'oci', 'wrap', dir, '--node', NODE, ...extra, '--', ...(o.pidoneFlags ?? [])], { encoding: 'utf8' });
    assert.equal(r.status, 0, `pidone oci wrap: ${r.stderr}`);
    assert.equal(r.stderr, '', 'wrap warned about the root filesystem'); // it has node's libraries
  }
  return dir;
}

// ---- running a container in the foreground ----

interface ContainerResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; stoppedAt: number }

interface Container {
  id: string;
  done: Promise<ContainerResult>;
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
}

const live = new Set<() => void>();

function startContainer(rt: Runtime, bundle: string, tag: string): Container {
  const id = containerId(`${rt.name}-${tag}`);
  const argv = rt.runArgv(bundle, id);
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let waiters: Array<() => void> = [];
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); for (const w of waiters) w(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const cleanup = (): void => rt.remove(id);
  live.add(cleanup);
  const timer = setTimeout(cleanup, RUN_TIMEOUT_MS); // bounded: a hung container is killed
  const done = new Promise<ContainerResult>((resolve) => {
    proc.on('close', (code, signal) => {
      const stoppedAt = Date.now();
      clearTimeout(timer);
      cleanup();
      live.delete(cleanup);
      resolve({ code, signal, stdout: out, stderr: err, stoppedAt });
    });
  });
  return {
    id,
    done,
    waitForOutput(text, waitMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (!out.includes(text)) return false;
          waiters = waiters.filter((w) => w !== check);
          clearTimeout(t);
          resolve();
          return true;
        };
        const t = setTimeout(() => reject(new Error(`timed out waiting for "${text}" from ${id}; stdout: ${JSON.stringify(out)}, stderr: ${JSON.stringify(err)}`)), waitMs);
        if (!check()) waiters.push(check);
      });
    },
  };
}

async function runContainer(rt: Runtime, bundle: string, tag: string): Promise<ContainerResult> {
  return startContainer(rt, bundle, tag).done;
}

// Resolves with the result, or null if the container is still running after ms.
async function within(c: Container, ms: number): Promise<ContainerResult | null> {
  return Promise.race([c.done, sleep(ms).then(() => null)]);
}

// ---- workloads ----

// Three orphans re-parented to PID 1, which then becomes `sleep` (never waits):
// only an init that reaps leaves no zombie. A reporter counts them from inside.
const ORPHANS = `(sleep 0.8; echo zombies=$(${COUNT_ZOMBIES})) &
(sleep 0.1 &); (sleep 0.1 &); (sleep 0.1 &)
exec sleep 1.5`;
const TRAPS_TERM = `trap 'echo got-TERM; exit 42' TERM; echo ready; while :; do sleep 0.1; done`;
const NO_HANDLER = 'echo ready; exec sleep 30';
const IGNORES_TERM = `trap '' TERM; echo ready; while :; do sleep 0.1; done`;

const UP_CONFIG = `# pidone up inside the container: a set-up task, a main service, a worker
stop_grace: 4s
services:
  setup:
    command: ["sh", "-c", "echo prepared > /tmp/prepared"]
    oneshot: true
  web:
    main: true
    command: ["sh", "-c", "trap 'echo web-got-TERM; exit 5' TERM; cat /tmp/prepared; echo web-up; while :; do sleep 0.1; done"]
    depends_on:
      setup: {condition: completed_successfully}
  worker:
    command: ["sh", "-c", "trap 'echo worker-got-TERM; exit 0' TERM; (sleep 0.1 &); echo worker-up; while :; do sleep 0.1; done"]
    depends_on:
      web: {condition: started}
`;

// ---- the tests ----

after(() => {
  for (const cleanup of live) cleanup();
  rmSync(work, { recursive: true, force: true });
});

for (const name of RUNTIMES) {
  describe(`pidone oci with ${name}`, { skip: skipReason(name) }, () => {
    let rt: Runtime;
    before(() => {
      if (!rootfs) rootfs = buildRootfs();
      rt = makeRuntime(name);
    });

    test('wrap adds pidone in front and unwrap restores config.json byte for byte', () => {
      const bundle = makeBundle(name, ['sh', '-c', 'exit 0'], { wrap: false });
      const file = join(bundle, 'config.json');
      const original = readFileSync(file, 'utf8');
      const wrap = (): ReturnType<typeof spawnSync> => spawnSync(NODE, [PIDONE, 'oci', 'wrap', bundle, '--node', NODE, '--', '--grace', '3s'], { encoding: 'utf8' });
      assert.equal(wrap().status, 0);
      const wrapped = readFileSync(file, 'utf8');
      const config = JSON.parse(wrapped);
      assert.deepEqual(config.process.args, ['/.pidone/node', '/.pidone/pkg/dist/pidone.js', '--grace', '3s', '--', 'sh', '-c', 'exit 0']);
      const again = wrap();
      assert.match(String(again.stdout), /already wrapped/);
      assert.equal(readFileSync(file, 'utf8'), wrapped);
      const un = spawnSync(NODE, [PIDONE, 'oci', 'unwrap', bundle], { encoding: 'utf8' });
      assert.equal(un.status, 0, un.stderr);
      assert.equal(readFileSync(file, 'utf8'), original);
    });

    test('wrapped: orphans are reaped (no zombie) and the exit status is the app\'s', async () => {
      const r = await runContainer(rt, makeBundle(name, ['sh', '-c', ORPHANS], { wrap: true }), 'reap');
      assert.match(r.stdout, /zombies=0\b/, r.stdout + r.stderr);
      assert.equal(r.code, 0, r.stderr);
    });

    test('unwrapped: the same workload leaves zombies (sleep as PID 1 never waits)', async () => {
      const r = await runContainer(rt, makeBundle(name, ['sh', '-c', ORPHANS], { wrap: false }), 'noreap');
      assert.match(r.stdout, /zombies=[1-9]/, r.stdout + r.stderr);
    });

    test('wrapped: the runtime sees the app\'s exit code, and 128+N for a signal', async () => {
      const code = await runContainer(rt, makeBundle(name, ['sh', '-c', 'echo hello; exit 7'], { wrap: true }), 'exit7');
      assert.equal(code.code, 7, code.stderr);
      assert.match(code.stdout, /^hello$/m);
      const sig = await runContainer(rt, makeBundle(name, ['sh', '-c', 'kill -USR2 $$; sleep 5'], { wrap: true }), 'exitsig');
      assert.equal(sig.code, 128 + 12, sig.stderr); // USR2
    });

    test('unwrapped: same exit code; a signal a shell PID 1 sends itself is dropped', async () => {
      const code = await runContainer(rt, makeBundle(name, ['sh', '-c', 'exit 7'], { wrap: false }), 'uexit7');
      assert.equal(code.code, 7, code.stderr);
      const sig = await runContainer(rt, makeBundle(name, ['sh', '-c', 'kill -USR2 $$; echo survived'], { wrap: false }), 'uexitsig');
      assert.equal(sig.code, 0);
      assert.match(sig.stdout, /survived/);
    });

    test(`wrapped: ${name} kill TERM reaches the app's handler, and its code is the container's`, async () => {
      const c = startContainer(rt, makeBundle(name, ['sh', '-c', TRAPS_TERM], { wrap: true }), 'trap');
      await c.waitForOutput('ready');
      const t0 = Date.now();
      rt.kill(c.id, 'TERM');
      const r = await c.done;
      assert.match(r.stdout, /got-TERM/);
      assert.equal(r.code, 42, r.stderr);
      assert.ok(r.stoppedAt - t0 < 3000, `stop took ${r.stoppedAt - t0} ms`);
    });

    test(`wrapped: ${name} kill TERM reaches an app with no handler (exit 143)`, async () => {
      const c = startContainer(rt, makeBundle(name, ['sh', '-c', NO_HANDLER], { wrap: true }), 'term');
      await c.waitForOutput('ready');
      const t0 = Date.now();
      rt.kill(c.id, 'TERM');
      const r = await c.done;
      assert.equal(r.code, 143, r.stderr);
      assert.ok(r.stoppedAt - t0 < 3000, `stop took ${r.stoppedAt - t0} ms`);
    });

    test(`unwrapped: ${name} kill TERM does not reach an app with no handler that is PID 1`, async () => {
      const c = startContainer(rt, makeBundle(name, ['sh', '-c', NO_HANDLER], { wrap: false }), 'uterm');
      await c.waitForOutput('ready');
      rt.kill(c.id, 'TERM');
      assert.equal(await within(c, 1500), null, 'the container stopped on TERM');
      rt.kill(c.id, 'KILL');
      const r = await c.done;
      assert.equal(r.code, 137);
    });

    test('wrapped: an app that ignores TERM is killed at the end of the grace period (--grace 2s)', async () => {
      const c = startContainer(rt, makeBundle(name, ['sh', '-c', IGNORES_TERM], { wrap: true, pidoneFlags: ['--grace', '2s'] }), 'grace');
      await c.waitForOutput('ready');
      const t0 = Date.now();
      rt.kill(c.id, 'TERM');
      const r = await c.done;
      const ms = r.stoppedAt - t0;
      assert.equal(r.code, 137, r.stderr);
      assert.ok(ms >= 1800 && ms < 4000, `stop took ${ms} ms, grace is 2000 ms`);
    });

    test('unwrapped: an app that ignores TERM keeps running until the runtime kills it', async () => {
      const c = startContainer(rt, makeBundle(name, ['sh', '-c', IGNORES_TERM], { wrap: false }), 'ugrace');
      await c.waitForOutput('ready');
      rt.kill(c.id, 'TERM');
      assert.equal(await within(c, 2500), null, 'the container stopped on TERM');
      rt.kill(c.id, 'KILL');
      assert.equal((await c.done).code, 137);
    });

    test('wrapped with --up: pidone up runs a multi-service config inside the container', async () => {
      const bundle = makeBundle(name, ['sh', '-c', 'echo not-used'], { wrap: true, up: '/etc/pidone.yaml' });
      const c = startContainer(rt, bundle, 'up');
      await c.waitForOutput('worker-up');
      await sleep(300);
      const t0 = Date.now();
      rt.kill(c.id, 'TERM');
      const r = await c.done;
      assert.match(r.stdout, /^web +\| prepared$/m, r.stdout);
      assert.match(r.stdout, /^web +\| web-up$/m);
      assert.match(r.stdout, /^worker +\| worker-got-TERM$/m);
      assert.match(r.stdout, /^web +\| web-got-TERM$/m);
      assert.ok(r.stdout.indexOf('worker-got-TERM') < r.stdout.indexOf('web-got-TERM'), 'services stop in reverse dependency order');
      assert.doesNotMatch(r.stdout, /not-used/);
      assert.equal(r.code, 5, r.stderr); // the main service's code
      assert.ok(r.stoppedAt - t0 < 4000, `stop took ${r.stoppedAt - t0} ms, stop_grace is 4s`);
      const un = spawnSync(NODE, [PIDONE, 'oci', 'unwrap', bundle], { encoding: 'utf8' });
      assert.equal(un.status, 0, un.stderr);
      assert.deepEqual(JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')).process.args, ['sh', '-c', 'echo not-used']);
      const plain = await runContainer(rt, bundle, 'unup');
      assert.match(plain.stdout, /^not-used$/m);
      assert.equal(plain.code, 0);
    });
  });
}
