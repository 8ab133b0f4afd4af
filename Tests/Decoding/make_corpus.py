#!/usr/bin/env python3
"""Makes the decoding corpus: codes kioskd prints (bin and part labels) and codes made with
zint and qrencode, rendered then degraded as a phone or a webcam at the counter would see them
(perspective, blur, motion blur, low light, glare, JPEG quality 30-70, curved surfaces, partial
occlusion, small codes in a large frame, EXIF-turned phone photos), plus code-free images.

    make_corpus.py OUT_DIR KIOSKD [--seed N] [--count N]

Writes OUT_DIR/images/*.jpg|png and OUT_DIR/expected.tsv (file, symbology, text; text with GS
as <GS>, no symbology identifier; empty for a code-free image). The same seed gives the same
corpus. Pillow and NumPy only, besides zint, qrencode and kioskd itself.
"""
import argparse, io, math, os, random, subprocess, sys, tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

GS = "<GS>"


def zint(barcode, data, scale=2, gs1=False, extra=()):
    with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as f:
        out = f.name
    args = ["zint", "-b", str(barcode), "--scale", str(scale), "-d", data, "-o", out, *extra]
    if gs1:
        args.insert(3, "--gs1")
    subprocess.run(args, check=True, capture_output=True)
    image = Image.open(out).convert("L")
    os.unlink(out)
    return image


def qrencode(data, size=4, level="M"):
    out = subprocess.run(["qrencode", "-s", str(size), "-l", level, "-o", "-", data], check=True, capture_output=True).stdout
    return Image.open(io.BytesIO(out)).convert("L")


def gs1_text(bracketed):
    """The element string a decoder gives for a bracketed GS1 string: AIs and values, GS after a
    variable-length value that is not last."""
    fixed = {"00": 18, "01": 14, "02": 14, "11": 6, "12": 6, "13": 6, "15": 6, "16": 6, "17": 6, "20": 2}
    parts = [p.split("]") for p in bracketed.strip("[").split("[")]
    text = ""
    for i, (ai, value) in enumerate(parts):
        text += ai + value
        if ai not in fixed and i < len(parts) - 1:
            text += GS
    return text


def vin_check(vin):
    values = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))),
              "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    total = sum(values[c] * w for c, w in zip(vin, weights)) % 11
    return vin[:8] + ("X" if total == 10 else str(total)) + vin[9:]


def ean_check(digits):
    total = sum(int(d) * (3 if i % 2 == (len(digits) % 2 == 0) else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def kioskd_labels(kioskd, rng):
    """Bin and part labels as kioskd prints them (A-4 preview at 203 dpi, each label cropped)."""
    labels = []
    with tempfile.TemporaryDirectory() as work:
        def k(*args):
            return subprocess.run([kioskd, *args], cwd=work, check=True, capture_output=True, text=True).stdout
        bins = [f"{rng.choice('ABCDEFG')}-{rng.randint(1, 30):02d}-{rng.randint(1, 9):02d}" for _ in range(8)]
        bins = sorted(set(bins))
        for b in bins:
            k("bins", "add", b)
        rows = ["part_number,name_zh,name_en,barcodes,bin,safety_stock"]
        parts = []
        for i in range(6):
            number = f"{rng.randint(10000, 99999)}-{rng.choice(['33450', 'YZZD2', '0H010', 'TA000'])}"
            gtin = ean_check("69" + "".join(str(rng.randint(0, 9)) for _ in range(10)))
            parts.append((number, gtin))
            rows.append(f"{number},刹车片{i},Brake pads {i},{gtin},{bins[0]},2")
        Path(work, "parts.csv").write_text("\n".join(rows) + "\n")
        k("parts", "import", "parts.csv")
        for kind, subjects, expected in [("bins", bins, [f"KD:BIN:{b}" for b in bins]),
                                         ("parts", [p for p, _ in parts], [f"010{g}" for _, g in parts])]:
            for subject, text in zip(subjects, expected):
                out = Path(work, f"{kind}.png")
                k("labels", "preview", kind, subject, "--out", str(out), "--dpi", "203")
                sheet = Image.open(out).convert("L")
                box = sheet.point(lambda v: 255 if v < 160 else 0).getbbox()
                label = sheet.crop((box[0] - 24, box[1] - 24, box[2] + 24, box[3] + 24))
                labels.append(("kioskd-" + kind[:-1], "CODE-128", text, label, True))
    return labels


def sources(kioskd, rng):
    """(name, symbology, expected text, clean image, is 1-D) for every code in the corpus."""
    out = kioskd_labels(kioskd, rng)
    for i in range(6):
        b = f"{rng.choice('ABCDEFGHJK')}-{rng.randint(1, 40):02d}-{rng.randint(1, 9):02d}"
        out.append(("code128", "CODE-128", f"KD:BIN:{b}", zint(20, f"KD:BIN:{b}"), True))
    for i in range(5):
        gtin = ean_check("0" + "".join(str(rng.randint(0, 9)) for _ in range(12)))
        lot = "".join(rng.choice("ABCDEFGHJK0123456789") for _ in range(rng.randint(3, 8)))
        bracketed = f"[01]{gtin}[10]{lot}[17]2{rng.randint(6, 9)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        out.append(("gs1-128", "CODE-128", gs1_text(bracketed), zint(16, bracketed), True))
    for i in range(5):
        ean = ean_check("69" + "".join(str(rng.randint(0, 9)) for _ in range(10)))
        out.append(("ean13", "EAN-13", ean, zint(13, ean[:12], scale=3), True))
    for i in range(3):
        ean = ean_check("69" + "".join(str(rng.randint(0, 9)) for _ in range(5)))
        out.append(("ean8", "EAN-8", ean, zint(13, ean[:7], scale=3), True))
    for i in range(3):
        upc = ean_check("0" + "".join(str(rng.randint(0, 9)) for _ in range(11)))[1:]
        out.append(("upca", "UPC-A", upc, zint(34, upc[:11], scale=3), True))
    for i in range(5):
        vin = vin_check("LFV2A2" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(11)))
        out.append(("code39-vin", "CODE-39", vin, zint(8, vin), True))
    for i in range(4):
        text = f"KD:PART:{rng.randint(10000, 99999)}-{rng.choice(['33450', 'YZZD2', '0H010'])}"
        out.append(("qr", "QR-Code", text, zint(58, text, scale=4), False))
    for i in range(4):
        text = rng.choice(["https://4s.example.cn/t/", "KD:WO:WO2026", "KD:TICKET:"]) + "".join(rng.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(10))
        out.append(("qrencode", "QR-Code", text, qrencode(text, size=4, level=rng.choice("LMQH")), False))
    for i in range(2):
        text = rng.choice(["工单 WO2026-", "取车 ", "配件 "]) + str(rng.randint(1000, 9999))
        out.append(("qrencode-zh", "QR-Code", text, qrencode(text, size=4), False))
    for i in range(4):
        gtin = ean_check("0" + "".join(str(rng.randint(0, 9)) for _ in range(12)))
        serial = "".join(rng.choice("ABCDEFGHJK0123456789") for _ in range(rng.randint(4, 10)))
        bracketed = f"[01]{gtin}[21]{serial}[17]2{rng.randint(6, 9)}1231"
        out.append(("gs1-datamatrix", "DATAMATRIX", gs1_text(bracketed), zint(71, bracketed, scale=4, gs1=True), False))
    for i in range(2):
        text = f"KD:PART:{rng.randint(10000, 99999)}-{rng.choice(['33450', 'YZZD2'])}"
        out.append(("datamatrix", "DATAMATRIX", text, zint(71, text, scale=4), False))
    return out


# ---- scenes and degradations -------------------------------------------------------------

def background(rng, size):
    """A counter, a box or a sheet of paper: a soft gradient with paper grain and a few
    text-like strokes."""
    w, h = size
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    base = rng.randint(150, 235)
    x = np.linspace(0, 1, w)[None, :]
    y = np.linspace(0, 1, h)[:, None]
    field = base + rng.uniform(-30, 30) * x + rng.uniform(-30, 30) * y + nrng.normal(0, 3, (h, w))
    image = Image.fromarray(np.clip(field, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(0, 12)):
        x0, y0 = rng.randint(0, w), rng.randint(0, h)
        for j in range(rng.randint(3, 12)):
            draw.rectangle([x0 + j * 9, y0, x0 + j * 9 + rng.randint(3, 7), y0 + rng.randint(6, 11)], fill=rng.randint(30, 90))
    return image


def module_size(image):
    """The width of the code's narrowest element in pixels: the shortest dark run along the
    middle rows (a module)."""
    a = np.asarray(image) < 128
    runs = []
    for row in a[a.shape[0] // 3: 2 * a.shape[0] // 3: max(1, a.shape[0] // 12)]:
        edges = np.flatnonzero(np.diff(row.astype(np.int8)))
        runs += list(np.diff(edges))
    return max(1, min(runs)) if runs else 2


def place(code, rng, frame, module_px):
    """The code (with its quiet zone) on a background frame, a module `module_px` pixels
    wide (as the camera's distance makes it), smaller if the frame is too small for it."""
    code = pad(code, 0.08)
    w, h = frame
    scale = module_px / module_size(code)
    scale = min(scale, 0.9 * w / code.width, 0.9 * h / code.height)
    code = code.resize((max(8, int(code.width * scale)), max(8, int(code.height * scale))), Image.BILINEAR)
    scene = background(rng, frame)
    x = rng.randint(0, max(0, w - code.width))
    y = rng.randint(0, max(0, h - code.height))
    # Paper a shade darker than white, ink not quite black.
    paper, ink = rng.randint(205, 250), rng.randint(10, 60)
    tinted = code.point(lambda v: ink + (paper - ink) * v // 255)
    scene.paste(tinted, (x, y))
    return scene


def pad(image, fraction):
    m = int(max(image.size) * fraction) + 4
    out = Image.new("L", (image.width + 2 * m, image.height + 2 * m), 255)
    out.paste(image, (m, m))
    return out


def perspective(image, rng, amount):
    w, h = image.size
    d = lambda: rng.uniform(0, amount)
    quad = [d() * w, d() * h, d() * w, h - d() * h, w - d() * w, h - d() * h, w - d() * w, d() * h]
    return image.transform(image.size, Image.QUAD, quad, Image.BILINEAR, fillcolor=rng.randint(120, 200))


def rotate(image, rng, degrees):
    return image.rotate(degrees, Image.BILINEAR, expand=True, fillcolor=rng.randint(120, 200))


def blur(image, rng, radius):
    return image.filter(ImageFilter.GaussianBlur(radius))


def motion(image, rng, length):
    a = np.asarray(image).astype(float)
    angle = rng.uniform(0, math.pi)
    dx, dy = math.cos(angle), math.sin(angle)
    acc = np.zeros_like(a)
    for i in range(length):
        t = i - length / 2
        acc += np.roll(np.roll(a, int(round(t * dy)), 0), int(round(t * dx)), 1)
    return Image.fromarray((acc / length).astype(np.uint8))


def low_light(image, rng, level):
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    a = np.asarray(image).astype(float) * level + nrng.normal(0, rng.uniform(2, 6), image.size[::-1])
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def glare(image, rng, strength):
    w, h = image.size
    x = np.arange(w)[None, :]
    y = np.arange(h)[:, None]
    cx, cy, r = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h, rng.uniform(0.08, 0.25) * min(w, h)
    a = np.asarray(image).astype(float) + strength * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def curved(image, rng, depth):
    """Wrapped round a cylinder (a can, a hose, a tyre's sidewall): columns squeezed toward the edges."""
    a = np.asarray(image)
    h, w = a.shape
    u = np.linspace(-1, 1, w)
    source = (np.sin(u * depth) / math.sin(depth) + 1) / 2 * (w - 1)
    sag = (1 - np.cos(u * depth)) * rng.uniform(0, 0.04) * h
    ys = np.clip(np.arange(h)[:, None] - sag[None, :], 0, h - 1).astype(int)
    return Image.fromarray(a[ys, source.astype(int)[None, :].repeat(h, 0)])


def occlude(image, rng, box, fraction):
    """A thumb or a smudge over part of the code's area."""
    x0, y0, x1, y1 = box
    w, h = (x1 - x0) * fraction, (y1 - y0) * fraction
    cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y0 + (y1 - y0) * 0.3) if rng.random() < 0.5 else rng.uniform(y0 + (y1 - y0) * 0.7, y1)
    draw = ImageDraw.Draw(image)
    draw.ellipse([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], fill=rng.randint(90, 170))
    return image


KINDS = ["perspective", "blur", "motion", "low-light", "glare", "curved", "occlusion", "small", "rotated", "phone", "webcam"]


def degrade(name, code, linear, rng, kind):
    """One scene: the code placed in a frame and degraded as `kind` says, with milder others."""
    frame = rng.choice([(640, 480), (800, 600), (1280, 960)])
    module_px = rng.uniform(1.8, 4.5)
    exif = None
    if kind == "small":            # the code far off in a large frame
        frame = rng.choice([(1280, 960), (1600, 1200), (2400, 1800)])
        module_px = rng.uniform(1.2, 2.0)
    if kind == "phone":
        frame = rng.choice([(2000, 1500), (3000, 2250), (4000, 3000)])
        module_px = rng.uniform(3, 8)
    scene = place(code, rng, frame, module_px)
    box = scene.point(lambda v: 255 if v < 100 else 0).getbbox() or (0, 0, *scene.size)
    if kind == "perspective":
        scene = perspective(scene, rng, rng.uniform(0.04, 0.16))
    elif kind == "blur":
        scene = blur(scene, rng, rng.uniform(0.6, 2.0) * scene.width / 800)
    elif kind == "motion":
        scene = motion(scene, rng, rng.randint(3, 8))
    elif kind == "low-light":
        scene = low_light(scene, rng, rng.uniform(0.18, 0.4))
    elif kind == "glare":
        scene = glare(scene, rng, rng.uniform(90, 200))
    elif kind == "curved":
        scene = curved(scene, rng, rng.uniform(0.5, 1.1))
    elif kind == "occlusion":
        scene = occlude(scene, rng, box, rng.uniform(0.08, 0.2))
    elif kind == "rotated":
        scene = rotate(scene, rng, rng.uniform(-70, 70) if linear else rng.uniform(0, 360))
    elif kind == "phone":
        scene = perspective(rotate(scene, rng, rng.uniform(-12, 12)), rng, rng.uniform(0.02, 0.1))
        scene = glare(blur(scene, rng, rng.uniform(0.5, 1.6)), rng, rng.uniform(0, 120))
        exif = rng.choice([1, 3, 6, 8])
    elif kind == "webcam":
        scene = low_light(blur(scene.resize((640, 480)) if scene.size != (640, 480) else scene, rng, rng.uniform(0.4, 1.4)), rng, rng.uniform(0.35, 0.8))
    # A milder second defect now and then, as photos have more than one.
    if rng.random() < 0.35 and kind not in ("phone", "webcam"):
        scene = blur(scene, rng, rng.uniform(0.4, 1.0))
    if rng.random() < 0.25 and kind not in ("low-light", "webcam"):
        scene = low_light(scene, rng, rng.uniform(0.5, 0.9))
    return scene, exif


def store(scene, path, rng, exif):
    """JPEG at quality 30-70 mostly, PNG sometimes; a phone photo stored turned with its EXIF
    orientation, as phones do."""
    if exif and exif != 1:
        stored = {3: Image.ROTATE_180, 6: Image.ROTATE_90, 8: Image.ROTATE_270}[exif]
        scene = scene.transpose(stored)
        tags = Image.Exif()
        tags[0x0112] = exif
        scene.convert("RGB").save(path.with_suffix(".jpg"), quality=rng.randint(30, 70), exif=tags)
        return path.with_suffix(".jpg")
    if rng.random() < 0.15:
        scene.save(path.with_suffix(".png"))
        return path.with_suffix(".png")
    target = scene.convert("RGB") if rng.random() < 0.5 else scene
    target.save(path.with_suffix(".jpg"), quality=rng.randint(30, 70))
    return path.with_suffix(".jpg")


def code_free(rng, index):
    """Images with no code, each a trap for a decoder that sees bars where there are none:
    shelves of boxes, text, stripes and grids, wood grain, tyre treads, noise."""
    frame = rng.choice([(640, 480), (1280, 960), (2000, 1500)])
    w, h = frame
    kind = index % 6
    image = background(rng, frame)
    draw = ImageDraw.Draw(image)
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    if kind == 0:      # a shelf: boxes with printed text lines
        for _ in range(rng.randint(8, 20)):
            x0, y0 = rng.randint(0, w), rng.randint(0, h)
            draw.rectangle([x0, y0, x0 + rng.randint(60, 300), y0 + rng.randint(40, 200)], outline=rng.randint(20, 80), width=3, fill=rng.randint(120, 230))
            for line in range(rng.randint(1, 5)):
                for j in range(rng.randint(4, 20)):
                    draw.rectangle([x0 + 8 + j * 8, y0 + 8 + line * 16, x0 + 12 + j * 8, y0 + 18 + line * 16], fill=rng.randint(10, 60))
    elif kind == 1:    # stripes like bars, of random widths: no valid code
        x = rng.randint(0, w // 4)
        top, bottom = rng.randint(0, h // 3), rng.randint(2 * h // 3, h)
        while x < w * 3 // 4:
            width = rng.randint(1, 9)
            if rng.random() < 0.5:
                draw.rectangle([x, top, x + width, bottom], fill=rng.randint(0, 50))
            x += width + rng.randint(1, 9)
    elif kind == 2:    # a grid of squares like a 2-D code's modules, with no finder
        m = rng.randint(6, 14)
        ox, oy = rng.randint(0, w // 3), rng.randint(0, h // 3)
        for r in range(rng.randint(15, 40)):
            for c in range(rng.randint(15, 40)):
                if nrng.random() < 0.5:
                    draw.rectangle([ox + c * m, oy + r * m, ox + c * m + m - 1, oy + r * m + m - 1], fill=20)
    elif kind == 3:    # wood grain / brushed metal
        a = np.asarray(image).astype(float)
        a += 40 * np.sin(np.arange(w)[None, :] / rng.uniform(3, 15) + nrng.normal(0, 1, (h, 1)) * 2)
        image = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    elif kind == 4:    # a tyre tread: dark with repeated light slots
        image = Image.new("L", frame, rng.randint(20, 50))
        draw = ImageDraw.Draw(image)
        for y in range(0, h, rng.randint(18, 40)):
            for x in range(0, w, rng.randint(30, 70)):
                draw.polygon([(x, y), (x + 20, y + 5), (x + 14, y + 14), (x - 6, y + 9)], fill=rng.randint(80, 140))
    else:              # sensor noise in poor light
        image = Image.fromarray(np.clip(nrng.normal(rng.randint(30, 120), 25, (h, w)), 0, 255).astype(np.uint8))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.2)))
    return image


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("kioskd")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--count", type=int, default=330, help="images with a code (30 without are added)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = Path(args.out)
    (out / "images").mkdir(parents=True, exist_ok=True)
    codes = sources(os.path.abspath(args.kioskd), rng)
    rows = []
    for i in range(args.count):
        name, symbology, text, code, linear = codes[i % len(codes)]
        kind = KINDS[(i // len(codes) + i) % len(KINDS)]
        scene, exif = degrade(name, code, linear, rng, kind)
        path = store(scene, out / "images" / f"{i:03d}-{name}-{kind}", rng, exif)
        rows.append((path.name, symbology, text))
    for i in range(30):
        path = out / "images" / f"{args.count + i:03d}-no-code"
        image = code_free(rng, i)
        image.save(path.with_suffix(".jpg"), quality=rng.randint(40, 80))
        rows.append((path.with_suffix(".jpg").name, "", ""))
    (out / "expected.tsv").write_text("".join(f"{f}\t{s}\t{t}\n" for f, s, t in rows))
    print(f"corpus: {len(rows)} images ({args.count} with a code from {len(codes)} sources, 30 without) in {out}, seed {args.seed}")


if __name__ == "__main__":
    main()
