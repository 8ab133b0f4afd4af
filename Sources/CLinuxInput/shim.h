#ifndef KIOSKD_CLINUXINPUT_SHIM_H
#define KIOSKD_CLINUXINPUT_SHIM_H
// The kernel's evdev interface: struct input_event and the ioctls, which Swift cannot call
// directly (ioctl is variadic; the request numbers are function-like macros).
#include <linux/input.h>
#include <sys/ioctl.h>

static inline int kioskd_evdev_grab(int fd, int on) { return ioctl(fd, EVIOCGRAB, on); }
static inline int kioskd_evdev_name(int fd, char *buffer, unsigned int length) {
    return ioctl(fd, EVIOCGNAME(length), buffer);
}
#endif
