#ifndef KIOSKD_CLINUXDEVICES_CAMERA_H
#define KIOSKD_CLINUXDEVICES_CAMERA_H
// V4L2 video capture with mmap streaming: enough to hand camera frames to zbar's image
// scanner. The ioctls take unions and macro request numbers, so they live here, in C.
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>
#include <poll.h>

#define KIOSKD_CAMERA_MAX_BUFFERS 4

typedef struct {
    int fd;
    unsigned int width, height, bytes_per_line, pixel_format;
    unsigned int buffer_count;
    void *buffers[KIOSKD_CAMERA_MAX_BUFFERS];
    size_t lengths[KIOSKD_CAMERA_MAX_BUFFERS];
} kioskd_camera;

/// The set-up steps, so that a failure can say which one failed.
typedef enum {
    KIOSKD_CAMERA_OK = 0, KIOSKD_CAMERA_OPEN, KIOSKD_CAMERA_NOT_CAPTURE, KIOSKD_CAMERA_INPUT,
    KIOSKD_CAMERA_STANDARD, KIOSKD_CAMERA_FORMAT, KIOSKD_CAMERA_BUFFERS, KIOSKD_CAMERA_STREAM
} kioskd_camera_step;

static inline int kioskd_xioctl(int fd, unsigned long request, void *arg) {
    int r;
    do { r = ioctl(fd, request, arg); } while (r == -1 && errno == EINTR);
    return r;
}

static inline void kioskd_camera_close(kioskd_camera *cam) {
    if (cam->fd < 0) return;
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    kioskd_xioctl(cam->fd, VIDIOC_STREAMOFF, &type);
    for (unsigned int i = 0; i < cam->buffer_count; i++) munmap(cam->buffers[i], cam->lengths[i]);
    cam->buffer_count = 0;
    close(cam->fd);
    cam->fd = -1;
}

/// Opens `path` for capture. `input` < 0 keeps the current input; `standard` is 0 (keep),
/// 1 (NTSC) or 2 (PAL). Asks for YUYV (what webcams give), then 8-bit grey; the format
/// chosen is in `cam`.
/// Returns KIOSKD_CAMERA_OK, or the step that failed with errno set.
static inline kioskd_camera_step kioskd_camera_open(kioskd_camera *cam, const char *path, int input, int standard,
                                                    unsigned int width, unsigned int height) {
    memset(cam, 0, sizeof *cam);
    cam->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (cam->fd < 0) return KIOSKD_CAMERA_OPEN;
    int saved;
    kioskd_camera_step step;
    struct v4l2_capability cap;
    memset(&cap, 0, sizeof cap);
    if (kioskd_xioctl(cam->fd, VIDIOC_QUERYCAP, &cap) != 0) { step = KIOSKD_CAMERA_NOT_CAPTURE; goto fail; }
    unsigned int caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
        errno = ENODEV; step = KIOSKD_CAMERA_NOT_CAPTURE; goto fail;
    }
    if (input >= 0 && kioskd_xioctl(cam->fd, VIDIOC_S_INPUT, &input) != 0) { step = KIOSKD_CAMERA_INPUT; goto fail; }
    if (standard) {
        v4l2_std_id std = standard == 1 ? V4L2_STD_NTSC : V4L2_STD_PAL;
        if (kioskd_xioctl(cam->fd, VIDIOC_S_STD, &std) != 0) { step = KIOSKD_CAMERA_STANDARD; goto fail; }
    }
    struct v4l2_format fmt;
    const unsigned int wanted[2] = { V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_GREY };
    int chosen = 0;
    for (int i = 0; i < 2 && !chosen; i++) {
        memset(&fmt, 0, sizeof fmt);
        fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        fmt.fmt.pix.width = width;
        fmt.fmt.pix.height = height;
        fmt.fmt.pix.pixelformat = wanted[i];
        fmt.fmt.pix.field = V4L2_FIELD_ANY;
        if (kioskd_xioctl(cam->fd, VIDIOC_S_FMT, &fmt) == 0 && fmt.fmt.pix.pixelformat == wanted[i]) chosen = 1;
    }
    if (!chosen) { errno = EINVAL; step = KIOSKD_CAMERA_FORMAT; goto fail; }
    cam->width = fmt.fmt.pix.width;
    cam->height = fmt.fmt.pix.height;
    cam->pixel_format = fmt.fmt.pix.pixelformat;
    cam->bytes_per_line = fmt.fmt.pix.bytesperline;
    if (cam->bytes_per_line == 0) cam->bytes_per_line = cam->width * (cam->pixel_format == V4L2_PIX_FMT_YUYV ? 2 : 1);

    struct v4l2_requestbuffers req;
    memset(&req, 0, sizeof req);
    req.count = KIOSKD_CAMERA_MAX_BUFFERS;
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    if (kioskd_xioctl(cam->fd, VIDIOC_REQBUFS, &req) != 0 || req.count < 2) { step = KIOSKD_CAMERA_BUFFERS; goto fail; }
    if (req.count > KIOSKD_CAMERA_MAX_BUFFERS) req.count = KIOSKD_CAMERA_MAX_BUFFERS;
    for (unsigned int i = 0; i < req.count; i++) {
        struct v4l2_buffer buf;
        memset(&buf, 0, sizeof buf);
        buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        buf.memory = V4L2_MEMORY_MMAP;
        buf.index = i;
        if (kioskd_xioctl(cam->fd, VIDIOC_QUERYBUF, &buf) != 0) { step = KIOSKD_CAMERA_BUFFERS; goto fail; }
        void *start = mmap(NULL, buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, cam->fd, buf.m.offset);
        if (start == MAP_FAILED) { step = KIOSKD_CAMERA_BUFFERS; goto fail; }
        cam->buffers[i] = start;
        cam->lengths[i] = buf.length;
        cam->buffer_count = i + 1;
        if (kioskd_xioctl(cam->fd, VIDIOC_QBUF, &buf) != 0) { step = KIOSKD_CAMERA_BUFFERS; goto fail; }
    }
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (kioskd_xioctl(cam->fd, VIDIOC_STREAMON, &type) != 0) { step = KIOSKD_CAMERA_STREAM; goto fail; }
    return KIOSKD_CAMERA_OK;
fail:
    saved = errno;
    kioskd_camera_close(cam);
    errno = saved;
    return step;
}

/// Waits up to `timeout_ms` for a frame. Returns its buffer index (hand it back with
/// kioskd_camera_requeue), -2 on timeout, or -1 with errno set (ENODEV: unplugged).
static inline int kioskd_camera_next(kioskd_camera *cam, int timeout_ms, unsigned int *bytes_used) {
    struct pollfd p = { .fd = cam->fd, .events = POLLIN, .revents = 0 };
    int ready;
    do { ready = poll(&p, 1, timeout_ms); } while (ready < 0 && errno == EINTR);
    if (ready < 0) return -1;
    if (ready == 0) return -2;
    if (p.revents & (POLLERR | POLLHUP)) { errno = ENODEV; return -1; }
    struct v4l2_buffer buf;
    memset(&buf, 0, sizeof buf);
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    if (kioskd_xioctl(cam->fd, VIDIOC_DQBUF, &buf) != 0) return errno == EAGAIN ? -2 : -1;
    *bytes_used = buf.bytesused;
    return (int)buf.index;
}

static inline int kioskd_camera_requeue(kioskd_camera *cam, unsigned int index) {
    struct v4l2_buffer buf;
    memset(&buf, 0, sizeof buf);
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    buf.index = index;
    return kioskd_xioctl(cam->fd, VIDIOC_QBUF, &buf);
}

static inline const void *kioskd_camera_buffer(const kioskd_camera *cam, unsigned int index) {
    return index < cam->buffer_count ? cam->buffers[index] : NULL;
}

static inline int kioskd_camera_is_yuyv(const kioskd_camera *cam) { return cam->pixel_format == V4L2_PIX_FMT_YUYV; }
#endif
