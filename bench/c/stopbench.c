/* stopbench: time from SIGTERM to the init's exit.
 *   stopbench TIMEOUT_MS FIFO -- CMD...
 * CMD is `unshare ... INIT -- child term-orphans FIFO N`. Once the child wrote
 * 'R', we open a pidfd on the init's host pid, send it SIGTERM and poll the
 * pidfd: it turns readable only when the init has exited and, since it is a
 * namespace's PID 1, the kernel has killed and collected every other process
 * in the namespace, i.e. when the "container" is gone. Then we count the 'T'
 * bytes the orphans wrote (each orphan that got a SIGTERM before the end).
 * Prints "INIT pid", "EXIT_NS ns", "TERM_ACKS n", "TIMED_OUT 0|1", "STATUS code". */
#include "common.h"
#include <sys/syscall.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--") != 0) die("usage: stopbench TIMEOUT_MS FIFO -- CMD...");
  int timeout_ms = atoi(argv[1]);
  const char *fifo = argv[2];
  char **cmd = argv + 4;

  pid_t ns;
  int rfd;
  pid_t init = start_ready_namespace(fifo, cmd, &ns, &rfd);
  char b;
  int pidfd = (int)syscall(SYS_pidfd_open, init, 0);
  if (pidfd < 0) { end_namespace(init, ns); unlink(fifo); die("cannot open a pidfd: %s", strerror(errno)); }

  struct pollfd p = { pidfd, POLLIN, 0 };
  long long t0 = now_ns();
  if (kill(init, SIGTERM) != 0) { end_namespace(init, ns); unlink(fifo); die("cannot signal the init: %s", strerror(errno)); }
  int r;
  do { r = poll(&p, 1, timeout_ms); } while (r < 0 && errno == EINTR);
  long long t1 = now_ns();
  int timed_out = r == 0;

  int acks = 0;
  if (!timed_out) {
    for (;;) {
      int got = read_byte(rfd, &b, 2000);
      if (got != 1) break;
      if (b == 'T') acks++;
    }
  }
  int status = end_namespace(timed_out ? init : 0, ns);
  unlink(fifo);
  printf("INIT %d\nEXIT_NS %lld\nTERM_ACKS %d\nTIMED_OUT %d\nSTATUS %d\n",
         (int)init, t1 - t0, acks, timed_out, exit_code_of(status));
  return 0;
}
