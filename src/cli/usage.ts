export const VERSION = '0.1.0';

export const USAGE = `pidone ${VERSION} - a correct PID 1 for containers

Usage: pidone [OPTIONS] [--] COMMAND [ARGS...]
       pidone up [-f pidone.yaml] [--log-format text|json] [--timestamps]
                 [--socket PATH] [--health-port PORT] [--health-host ADDR] [-v]
       pidone validate [-f pidone.yaml]
       pidone status [--json] | check [--ready|--live] | ps [--json]
       pidone restart|stop|start NAME | signal NAME SIGNAL
       pidone doctor [PID] [--json]
       pidone oci wrap|unwrap BUNDLE [--dry-run]

Runs COMMAND as its child, forwards signals to it, reaps every zombie, and on
the way out stops the whole process tree gracefully. Exits with COMMAND's code,
or 128+N when signal N killed it.

Options (tini and dumb-init flags are accepted as they are):
  --grace DURATION   time from a stop signal to SIGKILL, and for the rest of
                     the tree after the child exits (default 8s; env PIDONE_GRACE)
  --no-tree-stop     exit as soon as the child exits, leaving other processes
                     to the kernel, as tini does (env PIDONE_TREE_STOP=0)
  -g                 forward signals to the child's process group (env TINI_KILL_PROCESS_GROUP)
  --setsid           run the child in a new session and signal its group (dumb-init's default)
  -c, --single-child signal only the child, no new session (the default)
  -r, --rewrite S:R  forward signal S as R; R=0 drops S (repeatable)
  -e CODE            exit 0 when the child exits with CODE (repeatable)
  -p SIGNAL          ask the kernel to send SIGNAL to pidone when its parent dies
  -s                 accepted for tini; pidone is always a subreaper when not PID 1
  -w                 warn when reaping a zombie that is not the child
  --socket PATH      control socket (default /run/pidone.sock; env PIDONE_SOCKET)
  --health-port PORT serve GET /live and /ready on 127.0.0.1:PORT (--health-host)
  -v, --verbose      more diagnostics on stderr (-vv, -vvv; env TINI_VERBOSITY)
  -l, --license      print the license
  -V, --version      print the version
  -h, --help         print this help

Exit codes: the child's own; 1 usage error; 2 config error; 70 pidone
itself failed; 126 command not executable; 127 command not found.
A program named like a subcommand runs with: pidone -- up
`;

export const LICENSE = `MIT License

Copyright (c) 2026 the pidone authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;
