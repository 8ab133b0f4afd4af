#!/usr/bin/env python3
"""A keyboard-wedge barcode scanner made with uinput, for the hardware-in-the-loop tests.

    uinput_scanner.py [--name NAME] [--settle S] [--key-ms MS] [--check-grabbed] CODE...

Creates an evdev keyboard named NAME (a real /dev/input/eventN from the kernel), waits up to
S seconds until another reader (kioskd) has grabbed it, types each CODE followed by Enter at MS per key
(press and release, Shift around shifted characters, Ctrl+] for the GS1 group separator 0x1D,
like a scanner), then destroys the device: that is an unplug. Other programs (Tests/Days/drive.py
--uinput, the counter-outcomes scenario) import create_scanner, wait_until_grabbed and type_code. With --check-grabbed it also opens the device as a second reader
and fails (exit 3) if any keystroke reached it, i.e. if the device was not grabbed.
"""
import argparse, errno, fcntl, os, struct, sys, time

EV_SYN, EV_KEY, SYN_REPORT = 0, 1, 0
UI_SET_EVBIT, UI_SET_KEYBIT = 0x40045564, 0x40045565
UI_DEV_SETUP = 0x405C5503  # _IOW('U', 3, struct uinput_setup) — 92 bytes
UI_DEV_CREATE, UI_DEV_DESTROY = 0x5501, 0x5502
EVIOCGRAB = 0x40044590
LEFTSHIFT, LEFTCTRL, ENTER = 42, 29, 28
GS = "\x1d"  # typed as Ctrl+] (a wedge scanner's FNC1)

def ui_get_sysname(length):
    return 0x80000000 | (length << 16) | (0x55 << 8) | 44

# US layout, as the scanner's keyboard emulation sends it: char -> (keycode, shift)
KEYS = {}
for i, ch in enumerate("1234567890"): KEYS[ch] = (2 + i, False)
for i, ch in enumerate("!@#$%^&*()"): KEYS[ch] = (2 + i, True)
for row, start in (("qwertyuiop", 16), ("asdfghjkl", 30), ("zxcvbnm", 44)):
    for i, ch in enumerate(row):
        KEYS[ch] = (start + i, False)
        KEYS[ch.upper()] = (start + i, True)
for code, plain, shifted in ((12, "-", "_"), (13, "=", "+"), (26, "[", "{"), (27, "]", "}"), (39, ";", ":"),
                             (40, "'", '"'), (41, "`", "~"), (43, "\\", "|"), (51, ",", "<"), (52, ".", ">"),
                             (53, "/", "?"), (57, " ", " ")):
    KEYS[plain] = (code, False)
    KEYS[shifted] = (code, shifted != plain)

def emit(fd, type_, code, value):
    os.write(fd, struct.pack("llHHi", 0, 0, type_, code, value))

def tap(fd, code, shift, key_s):
    if shift:
        emit(fd, EV_KEY, LEFTSHIFT, 1); emit(fd, EV_SYN, SYN_REPORT, 0)
    emit(fd, EV_KEY, code, 1); emit(fd, EV_SYN, SYN_REPORT, 0)
    emit(fd, EV_KEY, code, 0); emit(fd, EV_SYN, SYN_REPORT, 0)
    if shift:
        emit(fd, EV_KEY, LEFTSHIFT, 0); emit(fd, EV_SYN, SYN_REPORT, 0)
    time.sleep(key_s)

def tap_gs(fd, key_s):
    """The GS1 group separator: Ctrl+] as wedge scanners send FNC1."""
    emit(fd, EV_KEY, LEFTCTRL, 1); emit(fd, EV_SYN, SYN_REPORT, 0)
    emit(fd, EV_KEY, KEYS["]"][0], 1); emit(fd, EV_SYN, SYN_REPORT, 0)
    emit(fd, EV_KEY, KEYS["]"][0], 0); emit(fd, EV_SYN, SYN_REPORT, 0)
    emit(fd, EV_KEY, LEFTCTRL, 0); emit(fd, EV_SYN, SYN_REPORT, 0)
    time.sleep(key_s)

def typable(text):
    """The characters of `text` this scanner cannot type (empty if it can type it all)."""
    return sorted({ch for ch in text if ch not in KEYS and ch != GS})

def type_code(fd, text, key_s):
    """Types one scan: its characters, then Enter."""
    bad = typable(text)
    if bad:
        raise ValueError(f"no key for {', '.join(map(repr, bad))} in {text!r}")
    for ch in text:
        if ch == GS:
            tap_gs(fd, key_s)
        else:
            tap(fd, *KEYS[ch], key_s)
    tap(fd, ENTER, False, key_s)

def create_scanner(name):
    """Plugs in a keyboard-wedge scanner named `name`; returns the uinput fd and its /dev/input node."""
    fd = os.open("/dev/uinput", os.O_WRONLY | os.O_NONBLOCK)
    fcntl.ioctl(fd, UI_SET_EVBIT, EV_KEY)
    for code in sorted({c for c, _ in KEYS.values()} | {LEFTSHIFT, LEFTCTRL, ENTER}):
        fcntl.ioctl(fd, UI_SET_KEYBIT, code)
    setup = struct.pack("HHHH80sI", 0x03, 0x0C2E, 0x0B01, 1, name.encode()[:79], 0)  # BUS_USB, a scanner's ids
    fcntl.ioctl(fd, UI_DEV_SETUP, setup)
    fcntl.ioctl(fd, UI_DEV_CREATE)
    buf = bytearray(64)
    fcntl.ioctl(fd, ui_get_sysname(len(buf)), buf)
    sysname = buf.split(b"\0")[0].decode()
    events = [e for e in os.listdir(f"/sys/devices/virtual/input/{sysname}") if e.startswith("event")]
    return fd, f"/dev/input/{events[0]}"

def is_grabbed(node):
    """Whether another reader holds `node` (our own EVIOCGRAB fails with EBUSY)."""
    spy = os.open(node, os.O_RDONLY | os.O_NONBLOCK)
    try:
        fcntl.ioctl(spy, EVIOCGRAB, 1)
        fcntl.ioctl(spy, EVIOCGRAB, 0)
        return False
    except OSError as e:
        if e.errno == errno.EBUSY:
            return True
        raise
    finally:
        os.close(spy)

def wait_until_grabbed(node, settle):
    """Waits until another reader (kioskd) holds `node`: our own EVIOCGRAB then fails with EBUSY.
    Returns the spying reader's fd, still open."""
    spy = os.open(node, os.O_RDONLY | os.O_NONBLOCK)
    deadline = time.time() + settle
    while True:
        try:
            fcntl.ioctl(spy, EVIOCGRAB, 1)
            fcntl.ioctl(spy, EVIOCGRAB, 0)
        except OSError as e:
            if e.errno == errno.EBUSY:
                return spy
            raise
        if time.time() > deadline:
            sys.exit(f"nobody grabbed {node} within {settle} s")
        time.sleep(0.05)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--name", default="HIL Barcode Scanner")
    p.add_argument("--settle", type=float, default=30)
    p.add_argument("--key-ms", type=float, default=2.0)
    p.add_argument("--check-grabbed", action="store_true")
    p.add_argument("--wait-log", metavar="PATH:TEXT:COUNT",
                   help="after the grab, also wait until the file PATH holds TEXT COUNT times "
                        "(the reader's own word that it is reading) before typing")
    p.add_argument("codes", nargs="*")
    a = p.parse_args()
    fd, node = create_scanner(a.name)
    print(f"created {node} ({a.name})", flush=True)
    spy = wait_until_grabbed(node, a.settle)
    print(f"{node} is grabbed by another reader", flush=True)
    if a.wait_log:
        path, text, count = a.wait_log.rsplit(":", 2)
        deadline = time.time() + a.settle
        while open(path, errors="replace").read().count(text) < int(count):
            if time.time() > deadline:
                sys.exit(f"{path} did not say {text!r} {count} times within {a.settle} s")
            time.sleep(0.05)
    if not a.check_grabbed:
        os.close(spy)
        spy = None
    for text in a.codes:
        try:
            type_code(fd, text, a.key_ms / 1000)
        except ValueError as e:
            sys.exit(str(e))
    time.sleep(0.5)
    leaked = 0
    if spy is not None:
        try:
            leaked = len(os.read(spy, 4096))
        except BlockingIOError:
            leaked = 0
        os.close(spy)
    fcntl.ioctl(fd, UI_DEV_DESTROY)
    os.close(fd)
    print(f"typed {len(a.codes)} codes, destroyed {node}", flush=True)
    if leaked:
        print(f"NOT GRABBED: a second reader received {leaked} bytes of events", flush=True)
        sys.exit(3)

if __name__ == "__main__":
    main()
