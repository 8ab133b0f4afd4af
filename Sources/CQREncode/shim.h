#ifndef KIOSKD_CQRENCODE_SHIM_H
#define KIOSKD_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
