/* launch: the start-up clock and small exec wrappers.
 *   launch exec-stamp CMD...        write "T0 <ns>" on stdout, then execvp CMD
 *                                   (run inside the namespace: CMD becomes PID 1)
 *   launch stopwatch CMD...         run CMD, wait for it, write "T2 <ns>" and
 *                                   "STATUS <code>" on stdout
 *   launch cgroup-exec PROCS CMD... write our pid into the cgroup.procs file
 *                                   PROCS, then execvp CMD (inherits the cgroup)
 *   launch tie CMD...               execvp CMD with PR_SET_PDEATHSIG=SIGKILL, so
 *                                   CMD dies with the bench even if the bench is
 *                                   SIGKILLed (unshare --kill-child then takes
 *                                   the namespace with it) */
#include "common.h"

static void write_stamp(const char *tag, long long ns) {
  char line[64];
  int n = snprintf(line, sizeof line, "%s %lld\n", tag, ns);
  if (write(1, line, (size_t)n) != n) die("cannot write the time stamp: %s", strerror(errno));
}

static int run_exec_stamp(char **cmd) {
  long long t0 = now_ns();
  write_stamp("T0", t0);
  execvp(cmd[0], cmd);
  die("cannot run %s: %s", cmd[0], strerror(errno));
  return 2;
}

static int run_stopwatch(char **cmd) {
  pid_t pid = spawn_tied(cmd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) die("cannot wait for %s: %s", cmd[0], strerror(errno));
  }
  long long t2 = now_ns();
  write_stamp("T2", t2);
  char line[32];
  int n = snprintf(line, sizeof line, "STATUS %d\n", exit_code_of(status));
  if (write(1, line, (size_t)n) != n) die("cannot write the status");
  return 0;
}

static int run_cgroup_exec(const char *procs, char **cmd) {
  int fd = open(procs, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open %s: %s", procs, strerror(errno));
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (write(fd, pid, (size_t)n) != n) die("cannot join cgroup %s: %s", procs, strerror(errno));
  close(fd);
  execvp(cmd[0], cmd);
  die("cannot run %s: %s", cmd[0], strerror(errno));
  return 2;
}

static int run_tie(char **cmd) {
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die("cannot set the parent-death signal: %s", strerror(errno));
  if (getppid() != parent || parent == 1) return 2; /* the bench is already gone */
  execvp(cmd[0], cmd);
  die("cannot run %s: %s", cmd[0], strerror(errno));
  return 2;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "exec-stamp") == 0) return run_exec_stamp(argv + 2);
  if (argc >= 3 && strcmp(argv[1], "stopwatch") == 0) return run_stopwatch(argv + 2);
  if (argc >= 4 && strcmp(argv[1], "cgroup-exec") == 0) return run_cgroup_exec(argv[2], argv + 3);
  if (argc >= 3 && strcmp(argv[1], "tie") == 0) return run_tie(argv + 2);
  die("usage: launch exec-stamp CMD... | stopwatch CMD... | cgroup-exec PROCS CMD... | tie CMD...");
  return 2;
}
