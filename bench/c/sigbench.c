/* sigbench: signal forwarding latency through an init.
 *   sigbench COUNT WARMUP SIGNUM GAP_US ACK_TIMEOUT_MS FIFO -- CMD...
 * CMD is `unshare ... INIT -- child ack FIFO SIGNUM`. We find the init's host
 * pid from /proc/<unshare>/task/<unshare>/children, wait for the child's 'R',
 * then WARMUP + COUNT times: kill(init, SIGNUM) and wait for the child's
 * one-byte ack, timing each round trip with CLOCK_MONOTONIC. Prints
 * "INIT pid", "LOST n", then one "S <ns>" line per measured signal. */
#include "common.h"

int main(int argc, char **argv) {
  if (argc < 9 || strcmp(argv[7], "--") != 0) {
    die("usage: sigbench COUNT WARMUP SIGNUM GAP_US ACK_TIMEOUT_MS FIFO -- CMD...");
  }
  int count = atoi(argv[1]), warmup = atoi(argv[2]), signum = atoi(argv[3]);
  long gap_us = atol(argv[4]);
  int timeout_ms = atoi(argv[5]);
  const char *fifo = argv[6];
  char **cmd = argv + 8;

  pid_t ns;
  int rfd;
  pid_t init = start_ready_namespace(fifo, cmd, &ns, &rfd);
  char b;

  long long *samples = calloc((size_t)count, sizeof *samples);
  if (!samples) die("out of memory");
  int lost = 0, kept = 0;
  for (int i = 0; i < warmup + count; i++) {
    if (gap_us > 0) sleep_us(gap_us);
    long long t0 = now_ns();
    if (kill(init, signum) != 0) { end_namespace(init, ns); unlink(fifo); die("cannot signal the init: %s", strerror(errno)); }
    int r = read_byte(rfd, &b, timeout_ms);
    long long t1 = now_ns();
    if (r < 0) { end_namespace(init, ns); unlink(fifo); die("the child went away after %d signals", i); }
    if (r == 0) {
      if (i >= warmup) lost++;
      sleep_us(50000); /* a late ack must not be taken for the next one */
      while (read_byte(rfd, &b, 0) == 1) {}
      continue;
    }
    if (i >= warmup) samples[kept++] = t1 - t0;
  }
  end_namespace(init, ns);
  unlink(fifo);
  printf("INIT %d\nLOST %d\n", (int)init, lost);
  for (int i = 0; i < kept; i++) printf("S %lld\n", samples[i]);
  return 0;
}
