/* Shared bits of the bench helpers: the clock, fatal errors, launching a
 * command that dies with us, and finding the init's host pid. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Each helper uses only some of these. */
#define HELPER static __attribute__((unused))

HELPER long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noreturn, format(printf, 1, 2))) HELPER void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("bench-helper: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

HELPER void sleep_us(long us) {
  struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {}
}

/* fork + execvp; the child gets SIGKILL if we die, so nothing outlives us.
 * With out_fd >= 0 its stdin is /dev/null and out_fd/err_fd its stdout/stderr. */
HELPER pid_t spawn_tied_io(char **argv, int out_fd, int err_fd) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) die("cannot fork: %s", strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent) _exit(127);
    if (out_fd >= 0) {
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(127);
    }
    execvp(argv[0], argv);
    fprintf(stderr, "bench-helper: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  return pid;
}

HELPER pid_t spawn_tied(char **argv) {
  return spawn_tied_io(argv, -1, -1);
}

/* The first child of `pid`, from /proc/PID/task/PID/children; 0 on timeout. */
HELPER pid_t find_first_child(pid_t pid, int timeout_ms) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
  long long deadline = now_ns() + (long long)timeout_ms * 1000000LL;
  while (now_ns() < deadline) {
    FILE *f = fopen(path, "r");
    if (!f) return 0; /* pid is gone */
    int child = 0;
    int n = fscanf(f, "%d", &child);
    fclose(f);
    if (n == 1 && child > 0) return child;
    sleep_us(200);
  }
  return 0;
}

/* Read one byte from fd within timeout_ms: 1 read, 0 timeout, -1 EOF/error. */
HELPER int read_byte(int fd, char *out, int timeout_ms) {
  struct pollfd p = { fd, POLLIN, 0 };
  long long deadline = now_ns() + (long long)timeout_ms * 1000000LL;
  for (;;) {
    long long left_ms = (deadline - now_ns()) / 1000000LL;
    if (left_ms < 0) return 0;
    int r = poll(&p, 1, (int)left_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return 0;
    ssize_t n = read(fd, out, 1);
    if (n == 1) return 1;
    if (n == 0) return -1;
    if (errno == EAGAIN || errno == EINTR) continue;
    return -1;
  }
}

/* A fresh FIFO opened for reading without waiting for a writer. */
HELPER int open_fifo_reader(const char *path) {
  unlink(path);
  if (mkfifo(path, 0600) != 0) die("cannot create fifo %s: %s", path, strerror(errno));
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die("cannot open fifo %s: %s", path, strerror(errno));
  return fd;
}

/* SIGKILL the namespace (through its init) and collect the unshare process. */
HELPER int end_namespace(pid_t init_pid, pid_t unshare_pid) {
  if (init_pid > 0) kill(init_pid, SIGKILL);
  int status = 0;
  long long deadline = now_ns() + 5000000000LL;
  while (waitpid(unshare_pid, &status, WNOHANG) == 0) {
    if (now_ns() > deadline) { kill(unshare_pid, SIGKILL); waitpid(unshare_pid, &status, 0); break; }
    sleep_us(1000);
  }
  return status;
}

/* Start CMD (an unshare line) tied to us and wait for its child's 'R' on a
 * fresh FIFO; dies on failure. Returns the init's host pid, the unshare pid
 * in *ns and the FIFO's read end in *rfd. */
HELPER pid_t start_ready_namespace(const char *fifo, char **cmd, pid_t *ns, int *rfd) {
  *rfd = open_fifo_reader(fifo);
  *ns = spawn_tied(cmd);
  pid_t init = find_first_child(*ns, 10000);
  if (init <= 0) { end_namespace(0, *ns); unlink(fifo); die("no init process appeared under %d", (int)*ns); }
  char b;
  if (read_byte(*rfd, &b, 15000) != 1 || b != 'R') {
    end_namespace(init, *ns); unlink(fifo);
    die("the child never became ready");
  }
  return init;
}

HELPER int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}
#endif
