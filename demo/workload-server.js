// The demo's workload: an ordinary Node HTTP app. Each request starts a
// short-lived background worker through a shell that exits at once, so the
// worker is orphaned and re-parented to PID 1, which has to reap it.
// Prints "listening PORT" when ready and "got SIGTERM" when SIGTERM arrives.
'use strict';
const http = require('node:http');
const { spawn } = require('node:child_process');
const { writeSync } = require('node:fs');

const WORKER_SECONDS = '0.2';

function say(line) {
  writeSync(1, `${line}\n`); // synchronous, so nothing is lost on exit
}

// Resolves to the worker's pid (as seen in this namespace), or null.
function startOrphanedWorker() {
  return new Promise((resolve) => {
    const sh = spawn('sh', ['-c', `sleep ${WORKER_SECONDS} </dev/null >/dev/null 2>&1 & echo $!`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    sh.stdout.on('data', (chunk) => { out += chunk; });
    sh.on('error', () => resolve(null));
    sh.on('close', () => {
      const pid = Number.parseInt(out.trim(), 10);
      resolve(Number.isInteger(pid) ? pid : null);
    });
  });
}

const server = http.createServer((req, res) => {
  startOrphanedWorker().then((workerPid) => {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ orphans: workerPid === null ? 0 : 1, workerPid }));
  });
});

process.on('SIGTERM', () => {
  say('got SIGTERM');
  server.close();
  process.exit(0);
});

server.listen(0, '127.0.0.1', () => {
  say(`listening ${server.address().port}`);
});
