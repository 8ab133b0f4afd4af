#ifndef KIOSKD_CZBAR_SHIM_H
#define KIOSKD_CZBAR_SHIM_H
#include <zbar.h>
#endif
