#ifndef KIOSKD_CZINT_SHIM_H
#define KIOSKD_CZINT_SHIM_H
#include <zint.h>
/* Whether the module at (row, column) of an encoded symbol is dark: zint packs a row's
   modules eight to a byte, least significant bit first. */
static inline int kd_zint_module(const struct zint_symbol *symbol, int row, int column) {
    return (symbol->encoded_data[row][column >> 3] >> (column & 7)) & 1;
}
static inline const char *kd_zint_error(const struct zint_symbol *symbol) { return symbol->errtxt; }
#endif
