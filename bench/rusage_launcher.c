/* Launcher that Terraform starts in place of a provider binary (compiled once per
 * provider with -DREAL="/path/to/provider"). It runs the real provider as its only
 * child, with the same argv, environment and stdio, and when the child exits appends one
 * line "user_seconds sys_seconds maxrss_kib wall_seconds" to the file named by
 * $BENCH_RUSAGE_LOG: wait4's rusage, and the time from this launcher's start to the child's
 * exit. So the CPU time, peak RSS and lifetime of every provider process a plan launches
 * are counted exactly, without counting Terraform (the lifetime errs long, by the fork).
 * Signals Terraform sends to the launcher are passed on to the child, and the child is
 * killed if the launcher dies, so nothing outlives the plan. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef REAL
#error "compile with -DREAL='\"/path/to/provider\"'"
#endif

static volatile pid_t child = 0;

static void forward(int sig) {
    if (child > 0) kill(child, sig);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    (void)argc;
    double started = now_seconds();
    pid_t parent = getpid();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    child = fork();
    if (child < 0) {
        perror("rusage_launcher: fork");
        return 127;
    }
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        argv[0] = (char *)REAL;
        execv(REAL, argv);
        perror("rusage_launcher: exec " REAL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    pid_t r;
    do {
        r = wait4(child, &status, 0, &ru);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        perror("rusage_launcher: wait4");
        return 127;
    }
    const char *log = getenv("BENCH_RUSAGE_LOG");
    if (log && *log) {
        char line[160];
        int n = snprintf(line, sizeof line, "%ld.%06ld %ld.%06ld %ld %.6f\n", (long)ru.ru_utime.tv_sec,
                         (long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec,
                         ru.ru_maxrss, now_seconds() - started);
        int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
        if (fd >= 0) {
            /* One write with O_APPEND: concurrent launchers never interleave lines. */
            if (write(fd, line, (size_t)n) != n) perror("rusage_launcher: write");
            close(fd);
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}
