"""Writes one 720x480 YUYV frame (grey background, a QR code of TEXT drawn with `qrencode
-t ASCII`, 6-pixel modules, centred) to OUT, for vivid's video output. Standard library only.

With --degraded the frame is what single-pass zbar misses and kioskd's later passes read: a
Code 128 of TEXT (modules from `zint --dump`) on a short label turned 35°, so that neither
zbar's horizontal nor its vertical scan lines cross every bar. With --pgm the same picture is
also written as a PGM file (for `kioskd scan-image`).
Usage: camera_frame.py TEXT OUT [--blank | --degraded] [--pgm FILE]"""
import math
import subprocess
import sys

WIDTH, HEIGHT, MODULE, BACKGROUND = 720, 480, 6, 200


def modules(text):
    rows = subprocess.run(["qrencode", "-t", "ASCII", "-m", "4", text], check=True, capture_output=True, text=True).stdout
    # Two characters a module: "##" dark, "  " light.
    return [[line[i] == "#" for i in range(0, len(line), 2)] for line in rows.splitlines() if line]


def code128(text):
    """The bars of a Code 128 symbol, one bool a module (zint dumps them as hex digits, four
    modules each; the last digit's spare bits are light, as the quiet zone)."""
    dump = subprocess.run(["zint", "-b", "20", "--dump", "-d", text], check=True, capture_output=True, text=True).stdout
    return [bit == "1" for digit in dump.splitlines()[0].replace(" ", "") for bit in format(int(digit, 16), "04b")]


def qr_frame(text):
    luma = bytearray([BACKGROUND]) * (WIDTH * HEIGHT)
    grid = modules(text)
    size = max(len(r) for r in grid) * MODULE
    left, top = (WIDTH - size) // 2, (HEIGHT - len(grid) * MODULE) // 2
    for r, row in enumerate(grid):
        for c, dark in enumerate(row):
            value = 0 if dark else 255
            for y in range(top + r * MODULE, top + (r + 1) * MODULE):
                start = y * WIDTH + left + c * MODULE
                luma[start:start + MODULE] = bytes([value]) * MODULE
    return luma


def turned_frame(text, degrees=35, module=4, bar_height=70, quiet=10):
    """A white label with the Code 128 on it, turned about the frame's centre."""
    bars = code128(text)
    label_w, label_h = (len(bars) + 2 * quiet) * module, bar_height + 2 * quiet
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    luma = bytearray([BACKGROUND]) * (WIDTH * HEIGHT)
    cx, cy = WIDTH / 2, HEIGHT / 2
    for y in range(HEIGHT):
        for x in range(WIDTH):
            # Where this pixel falls on the label (the inverse turn).
            u = c * (x - cx) + s * (y - cy) + label_w / 2
            v = -s * (x - cx) + c * (y - cy) + label_h / 2
            if 0 <= u < label_w and 0 <= v < label_h:
                m = int(u // module) - quiet
                dark = quiet <= v < quiet + bar_height and 0 <= m < len(bars) and bars[m]
                luma[y * WIDTH + x] = 20 if dark else 235
    return luma


def main():
    text, out = sys.argv[1], sys.argv[2]
    if "--blank" in sys.argv:
        luma = bytearray([BACKGROUND]) * (WIDTH * HEIGHT)
    elif "--degraded" in sys.argv:
        luma = turned_frame(text)
    else:
        luma = qr_frame(text)
    frame = bytearray(WIDTH * HEIGHT * 2)
    frame[0::2] = luma
    frame[1::2] = bytes([128]) * (WIDTH * HEIGHT)
    with open(out, "wb") as f:
        f.write(frame)
    if "--pgm" in sys.argv:
        with open(sys.argv[sys.argv.index("--pgm") + 1], "wb") as f:
            f.write(b"P5\n%d %d\n255\n" % (WIDTH, HEIGHT) + bytes(luma))


if __name__ == "__main__":
    main()
