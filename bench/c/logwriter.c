/* logwriter: the service of the log-throughput metric.
 *   logwriter LINES LINE_BYTES BLOCK_BYTES [CPU_FILE]
 * writes LINES lines of exactly LINE_BYTES bytes (newline included) to stdout:
 *   "LOGBENCH 0000000000 abcdef...\n"
 * with the sequence number 0..LINES-1, in write()s of BLOCK_BYTES (not aligned
 * to lines, as a stdio buffer flushes: the init has to reassemble lines cut
 * across reads). The filler is printable ASCII that needs no JSON escaping.
 * Then it exits 0; with CPU_FILE, it first writes its own CPU time there as
 * "WRITER_CPU_NS <ns>" (the file is outside the namespace's /proc, so any
 * path in the bench's tmp dir works). */
#include "common.h"
#include <sys/resource.h>

#define MARKER "LOGBENCH "

static void write_all(const char *buf, size_t len) {
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(1, buf + off, len - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("write to stdout failed: %s", strerror(errno));
    }
    off += (size_t)n;
  }
}

static void write_cpu(const char *path) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return;
  long long ns = ((long long)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL
    + ((long long)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
  FILE *f = fopen(path, "w");
  if (!f) return;
  fprintf(f, "WRITER_CPU_NS %lld\n", ns);
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 4) die("usage: logwriter LINES LINE_BYTES BLOCK_BYTES [CPU_FILE]");
  long long lines = atoll(argv[1]);
  long line_bytes = atol(argv[2]);
  long block = atol(argv[3]);
  const long head = (long)strlen(MARKER) + 10 + 1; /* marker, 10 digits, space */
  if (lines <= 0 || line_bytes < head + 2 || block <= 0) die("bad arguments");
  signal(SIGPIPE, SIG_DFL);

  char *out = malloc((size_t)block + (size_t)line_bytes);
  char *line = malloc((size_t)line_bytes);
  if (!out || !line) die("out of memory");
  memcpy(line, MARKER, strlen(MARKER));
  for (long i = head; i < line_bytes - 1; i++) line[i] = (char)('a' + (i - head) % 26);
  line[head - 1] = ' ';
  line[line_bytes - 1] = '\n';

  size_t fill = 0;
  for (long long seq = 0; seq < lines; seq++) {
    /* 10 decimal digits, zero-padded */
    long long v = seq;
    for (int d = 9; d >= 0; d--) { line[strlen(MARKER) + (size_t)d] = (char)('0' + v % 10); v /= 10; }
    memcpy(out + fill, line, (size_t)line_bytes);
    fill += (size_t)line_bytes;
    while (fill >= (size_t)block) {
      write_all(out, (size_t)block);
      memmove(out, out + block, fill - (size_t)block);
      fill -= (size_t)block;
    }
  }
  if (fill > 0) write_all(out, fill);
  if (argc >= 5) write_cpu(argv[4]);
  return 0;
}
