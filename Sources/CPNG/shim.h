#ifndef KIOSKD_CPNG_SHIM_H
#define KIOSKD_CPNG_SHIM_H
#include <png.h>
#include <zlib.h>
#endif
