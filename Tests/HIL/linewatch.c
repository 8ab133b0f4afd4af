/*
 * linewatch: records every edge of several gpio-sim lines, read every millisecond, and says
 * when it could not look (so that a loaded machine cannot hide an edge from a check).
 *
 *     linewatch LOG READY_FILE NAME=VALUE_FILE...
 *
 * Reads every VALUE_FILE (sim_gpioN/value) each millisecond, on an absolute CLOCK_MONOTONIC
 * schedule, at real-time priority when it may (SCHED_FIFO, memory locked), until SIGTERM or
 * SIGINT, and appends to LOG one line per change:
 *
 *     <CLOCK_MONOTONIC seconds> <NAME> <0|1>
 *
 * (the first value of every line at start). A look that came more than GAP_MS after the one
 * before is logged as '# gap <from seconds> <to seconds>': an edge shorter than that may have
 * come and gone unseen in between, and a check over a window with such a gap says so instead
 * of counting. Every 100 ms it logs '# look <seconds>': the log is complete up to that moment
 * (a reader waits for a look past the end of its window before judging it). A line that could
 * not be read is logged as '# unread' and keeps its last value. READY_FILE is created once the
 * first values are written. On exit it appends
 * '# samples=<n> mean_interval_ms=<x> max_gap_ms=<y> gaps=<k>'.
 *
 * The log is the one Tests/HIL/sample_lines.py writes and reads (read_edges, gaps).
 * Built on the host by Tests/HIL/vm: gcc -O2 -o .build-hil/linewatch Tests/HIL/linewatch.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINES 16
#define INTERVAL_NS 1000000L
/* The shortest pulse kioskd drives is 30 ms (the duplicate chirp): a blind spot of up to 25 ms can
 * not swallow one whole; a longer one is logged. */
#define GAP_MS 25.0
/* How often a '# look <seconds>' line says the watcher looked at every line at that moment. */
#define LOOK_EVERY_S 0.1

static volatile sig_atomic_t stopping = 0;
static void stop(int sig) { (void)sig; stopping = 1; }

static double seconds(const struct timespec *t) { return (double)t->tv_sec + (double)t->tv_nsec / 1e9; }

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: linewatch LOG READY_FILE NAME=VALUE_FILE...\n");
        return 2;
    }
    const char *names[MAX_LINES];
    int fds[MAX_LINES], state[MAX_LINES], count = 0;
    for (int i = 3; i < argc; i++) {
        if (count == MAX_LINES) { fprintf(stderr, "linewatch: at most %d lines\n", MAX_LINES); return 2; }
        char *eq = strchr(argv[i], '=');
        if (!eq) { fprintf(stderr, "linewatch: %s is not NAME=VALUE_FILE\n", argv[i]); return 2; }
        *eq = '\0';
        names[count] = argv[i];
        fds[count] = open(eq + 1, O_RDONLY | O_CLOEXEC);
        if (fds[count] < 0) { fprintf(stderr, "linewatch: %s: %s\n", eq + 1, strerror(errno)); return 1; }
        state[count] = -1;
        count++;
    }
    FILE *out = fopen(argv[1], "a");
    if (!out) { fprintf(stderr, "linewatch: %s: %s\n", argv[1], strerror(errno)); return 1; }
    setvbuf(out, NULL, _IOLBF, 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    /* Real time if the system lets it (root in the rig): the daemon under test cannot push
     * the watcher off the CPU. Without it the gaps still say where it was blind. */
    struct sched_param param = { .sched_priority = 50 };
    if (sched_setscheduler(0, SCHED_FIFO, &param) != 0)
        fprintf(out, "# no real-time priority: %s\n", strerror(errno));
    mlockall(MCL_CURRENT | MCL_FUTURE);

    struct timespec next, now, last = {0}, started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    next = started;
    long samples = 0, gaps = 0;
    double max_gap = 0, last_look = 0;
    while (!stopping) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (samples > 0) {
            double gap = (seconds(&now) - seconds(&last)) * 1000.0;
            if (gap > max_gap) max_gap = gap;
            if (gap > GAP_MS) {
                gaps++;
                fprintf(out, "# gap %.6f %.6f\n", seconds(&last), seconds(&now));
            }
        }
        for (int i = 0; i < count; i++) {
            char c;
            if (pread(fds[i], &c, 1, 0) != 1) {
                /* No value: keep the last one (never make up an edge) and say so. */
                fprintf(out, "# unread %.6f %s %s\n", seconds(&now), names[i], strerror(errno));
                continue;
            }
            int value = c == '1';
            if (value != state[i]) {
                state[i] = value;
                fprintf(out, "%.6f %s %d\n", seconds(&now), names[i], value);
            }
        }
        /* A heartbeat: a reader that needs the log complete up to a moment waits for a look
         * at or after it (a stall still going on then is logged as a gap before it). */
        if (seconds(&now) - last_look >= LOOK_EVERY_S) {
            fprintf(out, "# look %.6f\n", seconds(&now));
            last_look = seconds(&now);
        }
        last = now;
        samples++;
        if (samples == 1) {
            int ready = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (ready >= 0) close(ready);
        }
        next.tv_nsec += INTERVAL_NS;
        if (next.tv_nsec >= 1000000000L) { next.tv_sec++; next.tv_nsec -= 1000000000L; }
        /* Behind by more than a look (a stall): start the schedule again from now rather than
         * read in a burst that would only look like samples. */
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (seconds(&next) < seconds(&now)) next = now;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR && !stopping) {}
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    double elapsed = seconds(&now) - seconds(&started);
    fprintf(out, "# samples=%ld mean_interval_ms=%.2f max_gap_ms=%.2f gaps=%ld\n",
            samples, 1000.0 * elapsed / (samples ? samples : 1), max_gap, gaps);
    fclose(out);
    return 0;
}
