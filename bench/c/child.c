/* child: the workloads each init supervises (compiled static, so its own
 * start-up is a few microseconds and the same under every init).
 *   child stamp                 write "T1 <ns>" on stdout first thing, exit 0
 *   child ack FIFO SIGNUM       on each SIGNUM write one byte to FIFO; writes
 *                               'R' once the handler is in place
 *   child orphans BURSTS SIZE   make BURSTS x SIZE orphan zombies for PID 1 and
 *                               time how long PID 1 takes to reap them
 *   child term-orphans FIFO N   leave N orphans (own sessions) that write 'T' to
 *                               FIFO and exit on SIGTERM, write 'R', then wait
 *                               with SIGTERM at its default action */
#include "common.h"
#include <dirent.h>
#include <sched.h>
#include <sys/mman.h>

static int ack_fd = -1;

static void write_ack(int sig) {
  (void)sig;
  char b = 'a';
  ssize_t r = write(ack_fd, &b, 1);
  (void)r;
}

static int run_stamp(void) {
  long long t1 = now_ns();
  char line[64];
  int n = snprintf(line, sizeof line, "T1 %lld\n", t1);
  return write(1, line, (size_t)n) == n ? 0 : 1;
}

static int run_ack(const char *fifo, int signum) {
  ack_fd = open(fifo, O_WRONLY | O_CLOEXEC);
  if (ack_fd < 0) die("cannot open %s: %s", fifo, strerror(errno));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = write_ack;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(signum, &sa, NULL) != 0) die("cannot handle signal %d: %s", signum, strerror(errno));
  char r = 'R';
  if (write(ack_fd, &r, 1) != 1) die("cannot signal readiness: %s", strerror(errno));
  for (;;) pause();
  return 0;
}

/* ---- orphans ---------------------------------------------------------- */

/* A small /proc file as a NUL-terminated string: its length, or <= 0. */
static ssize_t read_text(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n >= 0) buf[n] = '\0';
  return n;
}

/* Zombies whose parent is PID 1, i.e. orphans waiting for the init. */
static int count_orphan_zombies(void) {
  DIR *d = opendir("/proc");
  if (!d) die("cannot open /proc: %s", strerror(errno));
  int zombies = 0;
  struct dirent *e;
  char path[300], buf[512];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    if (read_text(path, buf, sizeof buf) <= 0) continue;
    char *rp = strrchr(buf, ')');
    if (!rp || rp[1] == '\0') continue;
    char state = rp[2];
    int ppid = atoi(rp + 4);
    if (state == 'Z' && ppid == 1) zombies++;
  }
  closedir(d);
  return zombies;
}

/* utime+stime of PID 1 in clock ticks (from /proc/1/stat). */
static long long read_init_ticks(void) {
  char buf[1024];
  if (read_text("/proc/1/stat", buf, sizeof buf) <= 0) die("cannot read /proc/1/stat: %s", strerror(errno));
  char *p = strrchr(buf, ')');
  if (!p) die("cannot parse /proc/1/stat");
  p += 2; /* field 3, state */
  long long utime = 0, stime = 0;
  for (int field = 3; field <= 15 && p; field++) {
    if (field == 14) utime = atoll(p);
    if (field == 15) stime = atoll(p);
    p = strchr(p, ' ');
    if (p) p++;
  }
  return utime + stime;
}

/* CPU time of every thread of PID 1 in ns (sum of /proc/1/task/x/schedstat). */
static long long read_init_sched_ns(void) {
  DIR *d = opendir("/proc/1/task");
  if (!d) return -1;
  long long total = 0;
  struct dirent *e;
  char path[300], buf[128];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/1/task/%s/schedstat", e->d_name);
    if (read_text(path, buf, sizeof buf) <= 0) continue;
    total += atoll(buf);
  }
  closedir(d);
  return total;
}

/* The orphans are made with clone(CLONE_VM) instead of fork(): fork() costs
 * ~0.5 ms on this kind of VM and would measure the generator, not the init.
 * Each middle and grandchild is still a full process (own pid, own thread
 * group, SIGCHLD on exit); it only shares our memory, so each needs its own
 * stack. A slot is reused only once the kernel has cleared its tid word
 * (CLONE_CHILD_CLEARTID), i.e. once the process that used it has exited. */
#define STACK_BYTES (16 * 1024)

struct slot {
  char *stack_top;
  volatile pid_t tid; /* nonzero while the process on this stack runs */
};

static struct slot *slots;
static int slot_count;
static int next_slot;

static struct slot *take_slot(void) {
  struct slot *s = &slots[next_slot];
  next_slot = (next_slot + 1) % slot_count;
  while (__atomic_load_n(&s->tid, __ATOMIC_ACQUIRE) != 0) sleep_us(100);
  return s;
}

static void make_slots(int count) {
  slot_count = count;
  slots = calloc((size_t)count, sizeof *slots);
  char *area = mmap(NULL, (size_t)count * STACK_BYTES, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (!slots || area == MAP_FAILED) die("cannot allocate %d stacks", count);
  for (int i = 0; i < count; i++) slots[i].stack_top = area + (size_t)(i + 1) * STACK_BYTES;
}

static const int CLONE_FLAGS = CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD;

static int run_grandchild(void *arg) {
  (void)arg;
  return 0; /* exits at once: a zombie as soon as its parent is gone */
}

/* The middle: make the grandchild, then exit so it is re-parented to PID 1.
 * Only the middle touches the grandchild's slot; it was taken for it by the
 * parent, so no locking is needed. */
static int run_middle(void *arg) {
  struct slot *g = arg;
  g->tid = 1;
  pid_t pid = clone(run_grandchild, g->stack_top, CLONE_FLAGS, NULL, NULL, NULL, (pid_t *)&g->tid);
  if (pid < 0) { g->tid = 0; return 1; }
  return 0;
}

static int run_orphans(int bursts, int size) {
  if (getpid() == 1) die("orphans must run under an init, not as PID 1");
  make_slots(4 * size); /* a middle and a grandchild per orphan, two bursts deep */
  long long fork_retry_deadline_ns = 20000000000LL; /* give up after 20 s of EAGAIN */
  long long retry_ns = 0;
  int retries = 0, missed = 0, peak = 0;
  long long ticks0 = read_init_ticks();
  long long sched0 = read_init_sched_ns();
  long long t0 = now_ns();
  for (int b = 0; b < bursts; b++) {
    int made = 0;
    while (made < size) {
      struct slot *m = take_slot();
      struct slot *g = take_slot();
      m->tid = 1;
      pid_t pid = clone(run_middle, m->stack_top, CLONE_FLAGS, g, NULL, NULL, (pid_t *)&m->tid);
      if (pid < 0) {
        m->tid = 0;
        if (errno != EAGAIN) die("cannot clone: %s", strerror(errno));
        /* the pids cgroup is full: zombies are piling up faster than PID 1 reaps */
        retries++;
        long long r0 = now_ns();
        sleep_us(1000);
        retry_ns += now_ns() - r0;
        if (retry_ns > fork_retry_deadline_ns) die("clone kept failing with EAGAIN for 20 s");
        continue;
      }
      made++;
    }
    int status;
    for (;;) {
      pid_t w = waitpid(-1, &status, 0);
      if (w < 0) { if (errno == EINTR) continue; break; }
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) missed++;
    }
    int z = count_orphan_zombies();
    if (z > peak) peak = z;
  }
  long long t_made = now_ns();
  long long drain_deadline = now_ns() + 60000000000LL;
  int polls = 0;
  for (;;) {
    int z = count_orphan_zombies();
    polls++;
    if (z > peak) peak = z;
    if (z == 0) break;
    if (now_ns() > drain_deadline) die("zombies still left after 60 s: %d", z);
    sleep_us(500);
  }
  long long t1 = now_ns();
  long long ticks1 = read_init_ticks();
  long long sched1 = read_init_sched_ns();
  printf("RESULT orphans=%d missed=%d time_to_zero_ns=%lld make_ns=%lld peak_zombies=%d fork_retries=%d "
         "init_ticks=%lld clk_tck=%ld init_sched_ns=%lld drain_polls=%d\n",
         bursts * size - missed, missed, t1 - t0, t_made - t0, peak, retries,
         ticks1 - ticks0, sysconf(_SC_CLK_TCK), sched0 < 0 ? -1 : sched1 - sched0, polls);
  fflush(stdout);
  return 0;
}

/* ---- term-orphans ----------------------------------------------------- */

static int term_fd = -1;

static void say_term_and_exit(int sig) {
  (void)sig;
  char t = 'T';
  ssize_t r = write(term_fd, &t, 1);
  (void)r;
  _exit(0);
}

static void be_term_orphan(int ready_fd) {
  setsid(); /* out of the main child's group and session, like a daemon */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = say_term_and_exit;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  char r = 'r';
  ssize_t w = write(ready_fd, &r, 1);
  (void)w;
  close(ready_fd);
  for (;;) pause();
}

static int run_term_orphans(const char *fifo, int count) {
  term_fd = open(fifo, O_WRONLY | O_CLOEXEC);
  if (term_fd < 0) die("cannot open %s: %s", fifo, strerror(errno));
  if (count > 0) {
    int ready[2];
    if (pipe(ready) != 0) die("cannot make a pipe: %s", strerror(errno));
    pid_t middle = fork();
    if (middle < 0) die("cannot fork: %s", strerror(errno));
    if (middle == 0) {
      close(ready[0]);
      for (int i = 0; i < count; i++) {
        pid_t g = fork();
        if (g < 0) _exit(1);
        if (g == 0) be_term_orphan(ready[1]);
      }
      _exit(0);
    }
    close(ready[1]);
    int status;
    while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {}
    int got = 0;
    char c;
    while (got < count) {
      ssize_t n = read(ready[0], &c, 1);
      if (n == 1) got++;
      else if (n == 0 || errno != EINTR) break;
    }
    close(ready[0]);
    if (got < count) die("only %d of %d orphans are ready", got, count);
  }
  char r = 'R';
  if (write(term_fd, &r, 1) != 1) die("cannot signal readiness: %s", strerror(errno));
  for (;;) pause(); /* SIGTERM's default action ends us */
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "stamp") == 0) return run_stamp();
  if (argc >= 4 && strcmp(argv[1], "ack") == 0) return run_ack(argv[2], atoi(argv[3]));
  if (argc >= 4 && strcmp(argv[1], "orphans") == 0) return run_orphans(atoi(argv[2]), atoi(argv[3]));
  if (argc >= 4 && strcmp(argv[1], "term-orphans") == 0) return run_term_orphans(argv[2], atoi(argv[3]));
  die("usage: child stamp | ack FIFO SIGNUM | orphans BURSTS SIZE | term-orphans FIFO N");
  return 2;
}
