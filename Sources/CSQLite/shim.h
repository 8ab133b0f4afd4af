#ifndef KIOSKD_CSQLITE_SHIM_H
#define KIOSKD_CSQLITE_SHIM_H
// The plain SQLite C API, for the benchmark's baseline (kioskd itself goes through GRDB).
#include <sqlite3.h>
#endif
