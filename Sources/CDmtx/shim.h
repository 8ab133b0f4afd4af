#ifndef KIOSKD_CDMTX_SHIM_H
#define KIOSKD_CDMTX_SHIM_H
#include <dmtx.h>
#endif
