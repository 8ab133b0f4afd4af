"""Writes one 720x480 YUYV frame (grey background, a QR code of TEXT drawn with `qrencode
-t ASCII`, 6-pixel modules, centred) to OUT, for vivid's video output. Standard library only.
Usage: camera_frame.py TEXT OUT [--blank]"""
import subprocess
import sys

WIDTH, HEIGHT, MODULE, BACKGROUND = 720, 480, 6, 200


def modules(text):
    rows = subprocess.run(["qrencode", "-t", "ASCII", "-m", "4", text], check=True, capture_output=True, text=True).stdout
    # Two characters a module: "##" dark, "  " light.
    return [[line[i] == "#" for i in range(0, len(line), 2)] for line in rows.splitlines() if line]


def main():
    text, out = sys.argv[1], sys.argv[2]
    luma = bytearray([BACKGROUND]) * (WIDTH * HEIGHT)
    if "--blank" not in sys.argv:
        grid = modules(text)
        size = max(len(r) for r in grid) * MODULE
        left, top = (WIDTH - size) // 2, (HEIGHT - len(grid) * MODULE) // 2
        for r, row in enumerate(grid):
            for c, dark in enumerate(row):
                value = 0 if dark else 255
                for y in range(top + r * MODULE, top + (r + 1) * MODULE):
                    start = y * WIDTH + left + c * MODULE
                    luma[start:start + MODULE] = bytes([value]) * MODULE
    frame = bytearray(WIDTH * HEIGHT * 2)
    frame[0::2] = luma
    frame[1::2] = bytes([128]) * (WIDTH * HEIGHT)
    with open(out, "wb") as f:
        f.write(frame)


if __name__ == "__main__":
    main()
