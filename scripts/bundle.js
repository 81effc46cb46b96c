// Bundles src/bin.ts into one file. The banner's SIGUSR1 listener is the first
// statement that runs, so no SIGUSR1 can ever open Node's inspector.
const esbuild = require('esbuild');
const { chmodSync } = require('node:fs');

const banner = [
  '#!/usr/bin/env node',
  'globalThis.__pidoneEarlySignals=[];process.on("SIGUSR1",globalThis.__pidoneEarlyUsr1=function(){globalThis.__pidoneEarlySignals.push(10)});',
].join('\n');

esbuild.buildSync({
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/pidone.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['koffi'],
  minifySyntax: true,
  legalComments: 'none',
  banner: { js: banner },
  logLevel: 'warning',
});
chmodSync('dist/pidone.js', 0o755);
