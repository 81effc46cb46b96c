/* logbench: the reading end of the log-throughput metric.
 *   logbench TIMEOUT_MS LINES LINE_BYTES PREFIX STDERR_FILE SAMPLE_MS -- CMD...
 * runs CMD (unshare ... INIT ... logwriter ...) with its stdout on a pipe and
 * its stderr in STDERR_FILE, and reads the pipe as fast as it can (1 MiB
 * read()s), counting bytes and lines. A payload line is one holding the
 * writer's marker "LOGBENCH "; it is intact when the LINE_BYTES-1 bytes from
 * the marker on are exactly what logwriter wrote for that sequence number, and
 * well framed when what stands before the marker is PREFIX ("-": anything).
 * A bitmap of sequence numbers gives the lines lost and duplicated.
 * Meanwhile the init (CMD's first child, found in /proc) has its
 * /proc/<pid>/stat read every SAMPLE_MS (utime+stime, clock ticks) and its
 * /proc/<pid>/status every 100 ms (VmRSS, VmHWM); the last readable sample
 * stands for the init's CPU at exit. wait4() on CMD gives the CPU of the
 * whole tree. Results as "KEY value" lines on stdout. */
#include "common.h"
#include <sys/resource.h>

#define MARKER "LOGBENCH "
#define MARKER_LEN 9
#define DIGITS 10
#define READ_BYTES (1 << 20)
#define MAX_CARRY (1 << 20)

static long long expected_lines;
static long line_bytes;
static const char *prefix;
static size_t prefix_len;
static unsigned char *seen;
static char *template_line; /* the payload of sequence 0, without the newline */

static long long total_bytes, total_lines, payload_ok, damaged, bad_prefix, duplicates, out_of_order, other_lines;
static long long last_seq = -1, max_seq = -1;
static long long first_payload_ns, last_payload_ns;

static void on_line(const char *p, size_t len, long long now) {
  const char *m = memmem(p, len, MARKER, MARKER_LEN);
  if (!m) { other_lines++; return; }
  size_t at = (size_t)(m - p);
  size_t body = (size_t)line_bytes - 1;
  if (len - at < body) { damaged++; return; }
  long long seq = 0;
  for (int i = 0; i < DIGITS; i++) {
    char c = m[MARKER_LEN + i];
    if (c < '0' || c > '9') { damaged++; return; }
    seq = seq * 10 + (c - '0');
  }
  if (memcmp(m + MARKER_LEN + DIGITS, template_line + MARKER_LEN + DIGITS, body - MARKER_LEN - DIGITS) != 0
      || seq >= expected_lines) { damaged++; return; }
  if (prefix_len > 0 && (at != prefix_len || memcmp(p, prefix, prefix_len) != 0)) { bad_prefix++; return; }
  if (seen[seq >> 3] & (1u << (seq & 7))) { duplicates++; return; }
  seen[seq >> 3] |= (unsigned char)(1u << (seq & 7));
  if (seq != last_seq + 1) out_of_order++;
  last_seq = seq;
  if (seq > max_seq) max_seq = seq;
  payload_ok++;
  if (first_payload_ns == 0) first_payload_ns = now;
  last_payload_ns = now;
}

static char carry[MAX_CARRY];
static size_t carry_len;
static int carry_overflow;

static void on_chunk(const char *buf, size_t n, long long now) {
  total_bytes += (long long)n;
  size_t start = 0;
  for (;;) {
    const char *nl = memchr(buf + start, '\n', n - start);
    if (!nl) break;
    size_t end = (size_t)(nl - buf);
    total_lines++;
    if (carry_len > 0 || carry_overflow) {
      if (!carry_overflow && carry_len + (end - start) <= MAX_CARRY) {
        memcpy(carry + carry_len, buf + start, end - start);
        on_line(carry, carry_len + (end - start), now);
      } else {
        other_lines++;
      }
      carry_len = 0;
      carry_overflow = 0;
    } else {
      on_line(buf + start, end - start, now);
    }
    start = end + 1;
  }
  size_t rest = n - start;
  if (rest > 0) {
    if (carry_len + rest <= MAX_CARRY) { memcpy(carry + carry_len, buf + start, rest); carry_len += rest; }
    else carry_overflow = 1;
  }
}

/* The first child of pid now, from /proc/PID/task/PID/children; 0 if none. */
static pid_t first_child_now(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  int child = 0;
  if (fscanf(f, "%d", &child) != 1) child = 0;
  fclose(f);
  return child > 0 ? child : 0;
}

/* utime+stime (ticks) of pid from /proc/<pid>/stat; -1 when unreadable. */
static long long read_ticks(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  p += 2; /* field 3 */
  long long utime = 0, stime = 0;
  for (int field = 3; field <= 15 && *p; field++) {
    char *end;
    long long v = strtoll(p, &end, 10);
    if (field == 14) utime = v;
    if (field == 15) stime = v;
    p = strchr(p, ' ');
    if (!p) break;
    p++;
  }
  return utime + stime;
}

static int read_status(pid_t pid, long long *rss, long long *hwm) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *r = strstr(buf, "\nVmRSS:");
  char *h = strstr(buf, "\nVmHWM:");
  if (!r || !h) return 0;
  *rss = atoll(r + 7);
  *hwm = atoll(h + 7);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 9 || strcmp(argv[7], "--") != 0) {
    die("usage: logbench TIMEOUT_MS LINES LINE_BYTES PREFIX STDERR_FILE SAMPLE_MS -- CMD...");
  }
  long timeout_ms = atol(argv[1]);
  expected_lines = atoll(argv[2]);
  line_bytes = atol(argv[3]);
  prefix = strcmp(argv[4], "-") == 0 ? "" : argv[4];
  prefix_len = strlen(prefix);
  const char *stderr_file = argv[5];
  long sample_ms = atol(argv[6]);
  char **cmd = argv + 8;
  if (expected_lines <= 0 || line_bytes < MARKER_LEN + DIGITS + 2 || sample_ms <= 0) die("bad arguments");

  seen = calloc((size_t)(expected_lines / 8 + 1), 1);
  template_line = malloc((size_t)line_bytes);
  char *buf = malloc(READ_BYTES);
  if (!seen || !template_line || !buf) die("out of memory");
  /* the same filler as logwriter.c */
  const long head = MARKER_LEN + DIGITS + 1;
  memcpy(template_line, MARKER, MARKER_LEN);
  memset(template_line + MARKER_LEN, '0', DIGITS);
  template_line[head - 1] = ' ';
  for (long i = head; i < line_bytes - 1; i++) template_line[i] = (char)('a' + (i - head) % 26);

  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) != 0) die("cannot create a pipe: %s", strerror(errno));
  int errfd = open(stderr_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (errfd < 0) die("cannot open %s: %s", stderr_file, strerror(errno));

  long long t0 = now_ns();
  pid_t pid = spawn_tied_io(cmd, pfd[1], errfd);
  close(pfd[1]);
  close(errfd);

  long long deadline = t0 + (long long)timeout_ms * 1000000LL;
  pid_t init = 0;
  long long ticks = -1, last_sample_ns = 0, samples = 0, next_sample = 0, next_status = 0;
  long long rss = -1, hwm = -1;
  long long eof_ns = 0, exit_ns = 0;
  int status = 0, exited = 0, timed_out = 0;
  struct rusage tree;
  memset(&tree, 0, sizeof tree);
  struct pollfd p = { pfd[0], POLLIN, 0 };

  while (!(eof_ns && exited)) {
    long long now = now_ns();
    if (now > deadline && !timed_out) {
      timed_out = 1;
      kill(pid, SIGKILL);
      if (init > 0) kill(init, SIGKILL);
    }
    if (init == 0 && !exited) init = first_child_now(pid);
    if (init > 0 && now >= next_sample) {
      long long t = read_ticks(init);
      if (t >= 0) { ticks = t; last_sample_ns = now; samples++; }
      next_sample = now + sample_ms * 1000000LL;
    }
    if (init > 0 && now >= next_status) {
      long long r, h;
      if (read_status(init, &r, &h)) { rss = r; if (h > hwm) hwm = h; }
      next_status = now + 100000000LL;
    }
    if (!exited) {
      pid_t w = wait4(pid, &status, WNOHANG, &tree);
      if (w == pid) { exited = 1; exit_ns = now_ns(); }
    }
    if (eof_ns) {
      if (!exited) sleep_us(1000);
      continue;
    }
    int r = poll(&p, 1, (int)sample_ms);
    if (r < 0 && errno != EINTR) die("poll: %s", strerror(errno));
    if (r <= 0) continue;
    ssize_t n = read(pfd[0], buf, READ_BYTES);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      die("read: %s", strerror(errno));
    }
    if (n == 0) { eof_ns = now_ns(); continue; }
    on_chunk(buf, (size_t)n, now_ns());
  }
  if (carry_len > 0) { total_lines++; on_line(carry, carry_len, eof_ns); } /* a last line without newline */

  long long tree_ns = ((long long)tree.ru_utime.tv_sec + tree.ru_stime.tv_sec) * 1000000000LL
    + ((long long)tree.ru_utime.tv_usec + tree.ru_stime.tv_usec) * 1000LL;
  printf("T0 %lld\nFIRST_PAYLOAD_NS %lld\nLAST_PAYLOAD_NS %lld\nEXIT_NS %lld\nEOF_NS %lld\n",
         t0, first_payload_ns, last_payload_ns, exit_ns, eof_ns);
  printf("BYTES %lld\nLINES %lld\nPAYLOAD_OK %lld\nDAMAGED %lld\nBAD_PREFIX %lld\nDUPLICATES %lld\nOUT_OF_ORDER %lld\nOTHER_LINES %lld\nLAST_SEQ %lld\nMAX_SEQ %lld\n",
         total_bytes, total_lines, payload_ok, damaged, bad_prefix, duplicates, out_of_order, other_lines, last_seq, max_seq);
  printf("INIT_PID %d\nINIT_TICKS %lld\nINIT_SAMPLES %lld\nINIT_LAST_SAMPLE_NS %lld\nCLK_TCK %ld\nINIT_RSS_KIB %lld\nINIT_HWM_KIB %lld\n",
         (int)init, ticks, samples, last_sample_ns, sysconf(_SC_CLK_TCK), rss, hwm);
  printf("TREE_CPU_NS %lld\nSTATUS %d\nTIMED_OUT %d\n", tree_ns, exit_code_of(status), timed_out);
  return 0;
}
