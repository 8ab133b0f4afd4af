#ifndef KIOSKD_CLINUXDEVICES_SHIM_H
#define KIOSKD_CLINUXDEVICES_SHIM_H
// The kernel's evdev interface: struct input_event and the ioctls, which Swift cannot call
// directly (ioctl is variadic; the request numbers are function-like macros).
#include <linux/input.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include "camera.h"

static inline int kioskd_evdev_grab(int fd, int on) { return ioctl(fd, EVIOCGRAB, on); }
static inline int kioskd_evdev_name(int fd, char *buffer, unsigned int length) {
    return ioctl(fd, EVIOCGNAME(length), buffer);
}

// Opens a pseudo-terminal pair's master side and writes the path of its slave (a real tty,
// as a serial scanner's port is). Returns the master fd, or -1 with errno set.
static inline int kioskd_open_pty(char *slave_path, unsigned int length) {
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    if (master < 0) return -1;
    int unlock = 0, number = -1;
    if (ioctl(master, TIOCSPTLCK, &unlock) != 0 || ioctl(master, TIOCGPTN, &number) != 0) {
        close(master);
        return -1;
    }
    snprintf(slave_path, length, "/dev/pts/%d", number);
    return master;
}
#endif
