#ifndef KIOSKD_CGPIOD_SHIM_H
#define KIOSKD_CGPIOD_SHIM_H
// libgpiod 1.6 (Debian's libgpiod-dev): the v1 C API.
#include <gpiod.h>
#endif
