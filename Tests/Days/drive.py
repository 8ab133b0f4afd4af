#!/usr/bin/env python3
"""Drives one scripted clerk's day through the running daemon (see Tests/Days/run).

Usage: drive.py KIOSKD DAYFILE WORKDIR [--uinput NAME] [--key-ms MS] [--wait SECONDS]

With --uinput (inside the HIL VM, which has /dev/uinput: Tests/HIL/scenarios/counter-day.sh)
the scans are typed by a keyboard-wedge scanner made with uinput (Tests/HIL/uinput_scanner.py,
MS per key, GS as Ctrl+]) that kioskd reads as a `kind = "hid"` scanner named NAME, instead of
being written to the FIFO; the feedback is compared exactly the same way. --wait raises the
bound on every wait (a kioskd command's start-up under emulation takes seconds).

The day file's format is described at the top of every dayN.txt. In short:
  PARTS <csv row>                  the first PARTS line is the header; imported before the daemon starts
  KIOSKD <args>                    `kioskd <args> --config <cfg>` run at that point; must exit 0
  SCAN <code> | <expected>         written to the FIFO; the daemon's feedback must match <expected>
  EXPECT STOCK <part> <bin> <qty>  the final `kioskd stock`, exactly (every non-zero row, no others)
Matching: the text before the first " … " is a prefix of the feedback's first line; every
further " … " fragment appears, in order, later in the whole feedback (lines joined by
newlines). If <expected> has no «…» label, the feedback must carry none. `{GS}` in a code
is the GS1 group separator (0x1D).
"""
import argparse
import os
import select
import shlex
import signal
import stat
import subprocess
import sys
import time

WAIT = 10.0  # seconds: the bound on every wait, each failing with what it waited for
MARKS = ("OK ", "REJECTED ", "= 已处理")


def fail(msg):
    print(f"{DAY}: {msg}", file=sys.stderr)
    sys.exit(1)


def parse(path):
    """Returns (parts_rows, steps, expected_stock); steps are ('kioskd', line, args) or ('scan', line, code, expected)."""
    parts, steps, stock = [], [], {}
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            word = line.split(None, 1)[0]
            rest = line[len(word):].strip()
            if word == "PARTS":
                parts.append(rest)
            elif word == "KIOSKD":
                steps.append(("kioskd", n, shlex.split(rest)))
            elif word == "SCAN":
                if " | " not in rest:
                    fail(f"line {n}: SCAN needs ' | expected': {line}")
                code, expected = rest.split(" | ", 1)
                steps.append(("scan", n, code.strip().replace("{GS}", "\x1d"), expected.strip()))
            elif word == "EXPECT":
                f3 = rest.split()
                if len(f3) != 4 or f3[0] != "STOCK":
                    fail(f"line {n}: EXPECT STOCK <part> <bin> <qty>: {line}")
                stock[(f3[1], f3[2])] = int(f3[3])
            else:
                fail(f"line {n}: unknown line: {line}")
    return parts, steps, stock


def matches(expected, feedback):
    pieces = expected.split(" … ")
    first = feedback.split("\n", 1)[0]
    if not first.startswith(pieces[0]):
        return False
    at = len(pieces[0])
    for piece in pieces[1:]:
        i = feedback.find(piece, at)
        if i < 0:
            return False
        at = i + len(piece)
    if "«" not in expected and "«" in feedback:
        return False
    return True


class Daemon:
    def __init__(self, kioskd, config, workdir):
        self.out = open(os.path.join(workdir, "daemon.err"), "wb")
        self.proc = subprocess.Popen([kioskd, "run", "--config", config], stdout=subprocess.PIPE, stderr=self.out,
                                     stdin=subprocess.DEVNULL)
        self.fd = self.proc.stdout.fileno()
        self.buf = b""
        self.eof = False

    def lost(self):
        """How many times kioskd has logged a scan lost to dropped keys (HID)."""
        with open(self.out.name, "rb") as f:
            return f.read().count("scan lost".encode())

    def ready(self):
        """Whether the daemon has logged that it is ready."""
        with open(self.out.name, "rb") as f:
            return b"kioskd ready" in f.read()

    def read_some(self, deadline):
        """Reads what is there, waiting at most until deadline; False on timeout."""
        left = max(0.0, deadline - time.monotonic())
        r, _, _ = select.select([self.fd], [], [], left)
        if not r:
            return False
        chunk = os.read(self.fd, 65536)
        if not chunk:
            self.eof = True
        self.buf += chunk
        return True

    def lines(self):
        """Complete lines read so far (consumed)."""
        if b"\n" not in self.buf:
            return []
        done, self.buf = self.buf.rsplit(b"\n", 1)
        return [l.decode("utf-8", "replace") for l in done.split(b"\n")]


def run_kioskd(kioskd, config, args, where):
    r = subprocess.run([kioskd, *args, "--config", config], capture_output=True, text=True, timeout=WAIT)
    if r.returncode != 0:
        fail(f"{where}: kioskd {' '.join(args)} exited {r.returncode}: {r.stdout}{r.stderr}")
    return r.stdout


def main():
    global DAY, WAIT
    ap = argparse.ArgumentParser()
    ap.add_argument("kioskd")
    ap.add_argument("dayfile")
    ap.add_argument("workdir")
    ap.add_argument("--uinput", metavar="NAME", help="type the scans with a uinput keyboard-wedge scanner of this name")
    ap.add_argument("--key-ms", type=float, default=2.0, help="with --uinput: milliseconds per key")
    ap.add_argument("--wait", type=float, default=WAIT, help="the bound on every wait, seconds (default 10)")
    opts = ap.parse_args()
    WAIT = opts.wait
    kioskd, dayfile, workdir = opts.kioskd, opts.dayfile, opts.workdir
    DAY = os.path.splitext(os.path.basename(dayfile))[0]
    parts, steps, expected_stock = parse(dayfile)
    scanner = None
    if opts.uinput:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "HIL"))
        import uinput_scanner as scanner
        untypable = [(s[1], s[2], scanner.typable(s[2])) for s in steps if s[0] == "scan" and scanner.typable(s[2])]
        for n, code, chars in untypable:
            print(f"{DAY} line {n}: a keyboard wedge cannot type {', '.join(map(repr, chars))} in {code!r}", file=sys.stderr)
        if untypable:
            fail(f"{len(untypable)} codes cannot be typed by the uinput scanner")
    fifo = os.path.join(workdir, "scan.fifo")
    config = os.path.join(workdir, "kioskd.toml")
    with open(config, "w") as f:
        f.write(f'[device]\nid = "days-{DAY}"\ndata_dir = "{workdir}/data"\n[web]\nenabled = false\n')
        if opts.uinput:
            # 200 ms between keys ends a scan (default 50): an emulated CPU can pause the typist longer.
            f.write(f'[[scanners]]\nkind = "hid"\nname = "{opts.uinput}"\ninter_key_timeout_ms = 200\n')
        else:
            f.write(f'[[scanners]]\nkind = "fifo"\npath = "{fifo}"\n')
    if parts:
        csv = os.path.join(workdir, "parts.csv")
        with open(csv, "w", encoding="utf-8") as f:
            f.write("\n".join(parts) + "\n")
        run_kioskd(kioskd, config, ["parts", "import", csv], "PARTS")
    # Setup: the KIOSKD lines before the first scan run before the daemon starts.
    while steps and steps[0][0] == "kioskd":
        _, n, args = steps.pop(0)
        run_kioskd(kioskd, config, args, f"line {n}")

    daemon = Daemon(kioskd, config, workdir)
    try:
        if scanner:
            w, node = scanner.create_scanner(opts.uinput)
            # Until the daemon is ready and holds the scanner (its start-up under emulation, then
            # its 0.5 s retry): typing while it still starts its services risks dropped keys.
            grab_wait = 60.0
            deadline = time.monotonic() + grab_wait
            while not (daemon.ready() and scanner.is_grabbed(node)):
                if daemon.proc.poll() is not None:
                    fail(f"the daemon exited ({daemon.proc.returncode}) before it grabbed {node}; see {workdir}/daemon.err")
                if time.monotonic() > deadline:
                    fail(f"waited {grab_wait:.0f} s for the daemon to grab the uinput scanner {node}")
                select.select([], [], [], 0.05)  # poll interval of a bounded wait
            send = lambda code: scanner.type_code(w, code, opts.key_ms / 1000)
        deadline = time.monotonic() + WAIT
        while not scanner:
            try:
                if stat.S_ISFIFO(os.stat(fifo).st_mode):
                    w = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                    break
            except FileNotFoundError:
                pass
            except OSError as e:  # ENXIO: the daemon has not opened its end yet
                if e.errno != 6:
                    raise
            if daemon.proc.poll() is not None:
                fail(f"the daemon exited ({daemon.proc.returncode}) before it opened {fifo}; see {workdir}/daemon.err")
            if time.monotonic() > deadline:
                fail(f"waited {WAIT:.0f} s for the daemon to open its FIFO {fifo}")
            select.select([], [], [], 0.02)  # poll interval of a bounded wait, not a synchronisation
        if not scanner:
            os.set_blocking(w, True)
            send = lambda code: os.write(w, (code + "\n").encode("utf-8"))

        lost_scans = []  # with --uinput: scans kioskd reported lost and that were typed again
        results = []  # [line, code, expected, feedback lines]
        scans = 0
        for step in steps:
            if step[0] == "kioskd":
                run_kioskd(kioskd, config, step[2], f"line {step[1]}")
                continue
            _, n, code, expected = step
            scans += 1
            lost_before = daemon.lost() if scanner else 0
            send(code)
            results.append([n, code, expected, None])
            deadline = time.monotonic() + WAIT
            retyped = 0
            while results[-1][3] is None:
                for l in daemon.lines():
                    if l.startswith("REJECTED 扫描丢失"):
                        continue  # kioskd's signal for a scan lost to dropped keys: retyped below
                    if l.startswith(MARKS):
                        if results[-1][3] is not None:
                            fail(f"line {n}: a second feedback line for scan {code!r}: {l}")
                        results[-1][3] = [l]
                    elif len(results) >= 2 and results[-2][3] is not None and results[-1][3] is None:
                        results[-2][3].append(l)  # the tail of the previous feedback
                    elif results[-1][3] is not None:
                        results[-1][3].append(l)
                    else:
                        fail(f"line {n}: output before any feedback: {l}")
                if results[-1][3] is not None:
                    break
                if daemon.eof or daemon.proc.poll() is not None:
                    fail(f"line {n}: the daemon ended while waiting for the feedback of {code!r}; see {workdir}/daemon.err")
                if scanner and daemon.lost() > lost_before:
                    # kioskd dropped the scan (the kernel's event buffer overflowed while its
                    # reader was not scheduled) and told the clerk to scan again: do that.
                    if retyped == 2:
                        fail(f"line {n}: the scan {code!r} was lost 3 times (kioskd: scan lost)")
                    retyped += 1
                    lost_scans.append(f"line {n} {code!r}")
                    lost_before = daemon.lost()
                    send(code)
                    deadline = time.monotonic() + WAIT
                if not daemon.read_some(min(deadline, time.monotonic() + 0.2) if scanner else deadline) \
                        and time.monotonic() >= deadline:
                    fail(f"line {n}: waited {WAIT:.0f} s for the daemon's feedback line to scan {code!r}")
        os.close(w)  # with --uinput: the scanner is unplugged
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.send_signal(signal.SIGTERM)
    # Drain the rest of stdout (continuation lines of the last feedback) until the daemon exits.
    deadline = time.monotonic() + WAIT
    while not daemon.eof:
        if not daemon.read_some(deadline):
            daemon.proc.kill()
            fail(f"waited {WAIT:.0f} s for the daemon to stop after SIGTERM")
    for l in daemon.lines() + ([daemon.buf.decode()] if daemon.buf else []):
        if l.startswith(MARKS):
            fail(f"a feedback line after the last scan: {l}")
        results[-1][3].append(l)
    rc = daemon.proc.wait(timeout=WAIT)
    if rc != 0:
        fail(f"the daemon exited {rc} on SIGTERM; see {workdir}/daemon.err")

    bad = 0
    for n, code, expected, lines in results:
        feedback = "\n".join(lines)
        if not matches(expected, feedback):
            bad += 1
            print(f"{DAY} line {n}: SCAN {code!r}\n  expected: {expected}\n  actual:   " + feedback.replace("\n", "\n            "))

    stock_out = run_kioskd(kioskd, config, ["stock"], "stock")
    actual_stock = {}
    for row in stock_out.splitlines()[1:]:
        f = row.split("\t")
        if f[0] == "total" or len(f) < 3:
            continue
        if int(f[2]) != 0:
            actual_stock[(f[0], f[1])] = int(f[2])
    stock_ok = True
    for key in sorted(set(actual_stock) | set(expected_stock)):
        e, a = expected_stock.get(key), actual_stock.get(key)
        if e != a:
            stock_ok = False
            print(f"{DAY} stock {key[0]} {key[1]}: expected {e if e is not None else 'no row'}, actual {a if a is not None else 'no row'}")
    check = subprocess.run([kioskd, "stock", "check", "--config", config], capture_output=True, text=True, timeout=WAIT)
    if check.returncode != 0:
        stock_ok = False
        print(f"{DAY} stock check exited {check.returncode}: {check.stdout}{check.stderr}")
    if lost_scans:
        print(f"{DAY}: {len(lost_scans)} scans lost by kioskd (\"scan lost\": the kernel dropped keys) and typed again: "
              + ", ".join(lost_scans))
    print(f"{DAY}: {scans} scans, {scans - bad} as expected, final stock "
          + ("as expected" if stock_ok else "NOT as expected") + ", stock check " + ("ok" if check.returncode == 0 else "FAILED"))
    sys.exit(0 if bad == 0 and stock_ok else 1)


DAY = "day"
if __name__ == "__main__":
    main()
