#ifndef KIOSKD_CEXIF_SHIM_H
#define KIOSKD_CEXIF_SHIM_H
#include <stdlib.h>
#include <string.h>
#include <libexif/exif-data.h>

/// The EXIF orientation (1…8) of an EXIF block (the APP1 payload after "Exif\0\0"), or 1
/// when it has none or cannot be read: how the camera was held, as the photo is to be shown.
static inline int kioskd_exif_orientation(const unsigned char *data, unsigned int length) {
    static const unsigned char header[6] = { 'E', 'x', 'i', 'f', 0, 0 };
    unsigned char *block = malloc(length + 6);
    if (!block) return 1;
    memcpy(block, header, 6);
    memcpy(block + 6, data, length);
    ExifData *exif = exif_data_new_from_data(block, length + 6);
    free(block);
    if (!exif) return 1;
    int orientation = 1;
    ExifEntry *entry = exif_data_get_entry(exif, EXIF_TAG_ORIENTATION);
    if (entry && entry->format == EXIF_FORMAT_SHORT && entry->components == 1 && entry->data) {
        int value = exif_get_short(entry->data, exif_data_get_byte_order(exif));
        if (value >= 1 && value <= 8) orientation = value;
    }
    exif_data_unref(exif);
    return orientation;
}
#endif
