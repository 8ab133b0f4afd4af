/* The scan-to-lamp baseline for Tests/HIL/bench/scan-to-lamp.sh: the least a program can do
 * between the same two kernel devices. It grabs the evdev keyboard named argv[1] and, at each
 * Enter key press, drives line argv[3] of the GPIO chip labelled argv[2] high for 300 ms
 * (libgpiod v1). No decoding, no store, no feedback logic: what is left is the kernel, the
 * emulated machine and the two device APIs. Built by the benchmark script with gcc.
 *
 * With a fifth argument, a SQLite file, it also commits one row per Enter before the line goes
 * high (WAL, synchronous=FULL, one prepared INSERT in BEGIN IMMEDIATE ... COMMIT, as kioskd
 * commits a movement): the floor of any program that books the scan durably before it shows
 * it. Built with -DWITH_SQLITE ... -lsqlite3. */
#include <dirent.h>
#include <fcntl.h>
#include <gpiod.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#ifdef WITH_SQLITE
#include <sqlite3.h>
#endif

static int open_named(const char *name) {
    for (int tries = 0; tries < 600; tries++) {
        DIR *dir = opendir("/dev/input");
        struct dirent *e;
        while (dir && (e = readdir(dir))) {
            if (strncmp(e->d_name, "event", 5) != 0) continue;
            char path[300], found[256] = "";
            snprintf(path, sizeof path, "/dev/input/%s", e->d_name);
            int fd = open(path, O_RDONLY);
            if (fd < 0) continue;
            if (ioctl(fd, EVIOCGNAME(sizeof found), found) >= 0 && strcmp(found, name) == 0 && ioctl(fd, EVIOCGRAB, 1) == 0) {
                closedir(dir);
                return fd;
            }
            close(fd);
        }
        if (dir) closedir(dir);
        usleep(100000);
    }
    return -1;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) { fprintf(stderr, "usage: relay DEVICE-NAME CHIP-LABEL LINE [SQLITE-FILE]\n"); return 2; }
#ifdef WITH_SQLITE
    sqlite3 *db = NULL;
    sqlite3_stmt *begin = NULL, *insert = NULL, *commit = NULL;
    if (argc == 5) {
        if (sqlite3_open(argv[4], &db) != SQLITE_OK
            || sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                "CREATE TABLE IF NOT EXISTS scan(seq INTEGER PRIMARY KEY, code TEXT NOT NULL, at INTEGER NOT NULL)", 0, 0, 0) != SQLITE_OK
            || sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, 0) != SQLITE_OK
            || sqlite3_prepare_v2(db, "INSERT INTO scan(code, at) VALUES ('6901234567892', ?)", -1, &insert, 0) != SQLITE_OK
            || sqlite3_prepare_v2(db, "COMMIT", -1, &commit, 0) != SQLITE_OK) {
            fprintf(stderr, "sqlite: %s\n", db ? sqlite3_errmsg(db) : "open"); return 1;
        }
    }
#else
    if (argc == 5) { fprintf(stderr, "relay: built without SQLite (-DWITH_SQLITE)\n"); return 2; }
#endif
    struct gpiod_chip *chip = gpiod_chip_open_by_label(argv[2]);
    if (!chip) { perror("chip"); return 1; }
    struct gpiod_line *line = gpiod_chip_get_line(chip, atoi(argv[3]));
    if (!line || gpiod_line_request_output(line, "relay", 0) < 0) { perror("line"); return 1; }
    for (;;) {
        int fd = open_named(argv[1]);
        if (fd < 0) return 0;
        long long off_at = 0;
        for (;;) {
            int timeout = off_at ? (int)(off_at - now_ms()) : -1;
            if (off_at && timeout <= 0) { gpiod_line_set_value(line, 0); off_at = 0; continue; }
            struct pollfd p = { fd, POLLIN, 0 };
            if (poll(&p, 1, timeout) == 0) continue;
            struct input_event ev;
            if (read(fd, &ev, sizeof ev) != sizeof ev) break;   /* unplugged */
            if (ev.type == EV_KEY && ev.code == KEY_ENTER && ev.value == 1) {
#ifdef WITH_SQLITE
                if (db) {
                    sqlite3_step(begin); sqlite3_reset(begin);
                    sqlite3_bind_int64(insert, 1, now_ms());
                    sqlite3_step(insert); sqlite3_reset(insert);
                    if (sqlite3_step(commit) != SQLITE_DONE) { fprintf(stderr, "commit: %s\n", sqlite3_errmsg(db)); return 1; }
                    sqlite3_reset(commit);
                }
#endif
                gpiod_line_set_value(line, 1);
                off_at = now_ms() + 300;
            }
        }
        close(fd);
        gpiod_line_set_value(line, 0);
    }
}
