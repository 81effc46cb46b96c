// Bundles pidone into two files. dist/pidone.js is the init: single-command
// mode, loaded by every container at start. Its banner's SIGUSR1 listener is
// the first statement that runs, so no SIGUSR1 can open Node's inspector once
// JS runs. dist/pidone-tools.js holds the rest (pidone up, validate, the
// control client, doctor, exec-as) and is required only by those commands, so
// PID 1 in single-command mode never parses it.
const esbuild = require('esbuild');
const { chmodSync } = require('node:fs');

const banner = [
  '#!/usr/bin/env node',
  'globalThis.__pidoneEarlySignals=[];process.on("SIGUSR1",globalThis.__pidoneEarlyUsr1=function(){globalThis.__pidoneEarlySignals.push(10)});',
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['koffi'],
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

const toolsAsSibling = {
  name: 'tools-as-sibling',
  setup(build) {
    build.onResolve({ filter: /^\.\/tools$/ }, () => ({ path: './pidone-tools.js', external: true }));
  },
};

esbuild.buildSync({ ...common, entryPoints: ['src/cli/tools.ts'], outfile: 'dist/pidone-tools.js' });
esbuild.build({ ...common, entryPoints: ['src/bin.ts'], outfile: 'dist/pidone.js', banner: { js: banner }, plugins: [toolsAsSibling] })
  .then(() => chmodSync('dist/pidone.js', 0o755))
  .catch(() => process.exit(1));
