#ifndef KIOSKD_CJPEG_SHIM_H
#define KIOSKD_CJPEG_SHIM_H
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <jpeglib.h>

/// libjpeg reports fatal errors through error_exit, which must not return: it jumps back to
/// kioskd_jpeg_read, which Swift cannot do itself (no setjmp in Swift).
typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
} kioskd_jpeg_error;

static void kioskd_jpeg_error_exit(j_common_ptr info) {
    kioskd_jpeg_error *error = (kioskd_jpeg_error *)info->err;
    info->err->format_message(info, error->message);
    longjmp(error->escape, 1);
}

static void kioskd_jpeg_silent(j_common_ptr info, int level) { (void)info; (void)level; }

/// What kioskd_jpeg_read gives: the image's brightness, one byte a pixel, and its EXIF block
/// (the APP1 marker's payload after "Exif\0\0", or NULL). Free with kioskd_jpeg_free.
typedef struct {
    unsigned int width, height;
    unsigned char *pixels;
    unsigned char *exif;
    unsigned int exif_length;
    char message[JMSG_LENGTH_MAX];
} kioskd_jpeg_image;

static inline void kioskd_jpeg_free(kioskd_jpeg_image *image) {
    free(image->pixels);
    free(image->exif);
    image->pixels = NULL;
    image->exif = NULL;
}

/// Decodes a JPEG held in memory to 8-bit grey: YCbCr and grey as libjpeg converts them;
/// CMYK and YCCK (Adobe's, stored inverted) through their own brightness. Returns 0, or -1 with
/// `message` set. At most `max_pixels` pixels (a bomb is refused before memory is taken).
static inline int kioskd_jpeg_read(const unsigned char *data, unsigned long length, unsigned long max_pixels,
                                   kioskd_jpeg_image *image) {
    struct jpeg_decompress_struct info;
    kioskd_jpeg_error error;
    volatile JSAMPROW row = NULL;
    memset(image, 0, sizeof *image);
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = kioskd_jpeg_error_exit;
    error.manager.emit_message = kioskd_jpeg_silent;
    error.message[0] = 0;
    if (setjmp(error.escape)) {
        strncpy(image->message, error.message, sizeof image->message - 1);
        jpeg_destroy_decompress(&info);
        free(row);
        kioskd_jpeg_free(image);
        return -1;
    }
    jpeg_create_decompress(&info);
    // A small progressive file can ask libjpeg for far more than its pixels: cap its buffers.
    info.mem->max_memory_to_use = 256L * 1024 * 1024;
    jpeg_mem_src(&info, data, length);
    jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&info, TRUE);
    for (jpeg_saved_marker_ptr m = info.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && memcmp(m->data, "Exif\0\0", 6) == 0 && !image->exif) {
            image->exif = malloc(m->data_length - 6);
            if (image->exif) {
                memcpy(image->exif, m->data + 6, m->data_length - 6);
                image->exif_length = m->data_length - 6;
            }
        }
    }
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;
    if ((unsigned long)info.image_width * info.image_height > max_pixels) {
        snprintf(image->message, sizeof image->message, "%ux%u pixels is more than the %lu allowed",
                 info.image_width, info.image_height, max_pixels);
        jpeg_destroy_decompress(&info);
        kioskd_jpeg_free(image);
        return -1;
    }
    jpeg_start_decompress(&info);
    image->width = info.output_width;
    image->height = info.output_height;
    image->pixels = malloc((size_t)info.output_width * info.output_height);
    row = malloc((size_t)info.output_width * info.output_components);
    if (!image->pixels || !row) {
        strcpy(image->message, "out of memory");
        jpeg_destroy_decompress(&info);
        free(row);
        kioskd_jpeg_free(image);
        return -1;
    }
    // Adobe writes CMYK inverted (the APP14 marker says so); libjpeg hands it over as stored.
    int inverted = cmyk && info.saw_Adobe_marker;
    while (info.output_scanline < info.output_height) {
        unsigned int y = info.output_scanline;
        JSAMPROW rows[1] = { row };
        jpeg_read_scanlines(&info, rows, 1);
        unsigned char *out = image->pixels + (size_t)y * info.output_width;
        if (!cmyk) {
            memcpy(out, row, info.output_width);
            continue;
        }
        for (unsigned int x = 0; x < info.output_width; x++) {
            int c = row[4 * x], m = row[4 * x + 1], ye = row[4 * x + 2], k = row[4 * x + 3];
            if (inverted) { c = 255 - c; m = 255 - m; ye = 255 - ye; k = 255 - k; }
            // RGB = (1 - C)(1 - K) …, then luma (BT.601).
            int r = (255 - c) * (255 - k) / 255, g = (255 - m) * (255 - k) / 255, b = (255 - ye) * (255 - k) / 255;
            out[x] = (unsigned char)((299 * r + 587 * g + 114 * b) / 1000);
        }
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    free(row);
    return 0;
}
#endif
