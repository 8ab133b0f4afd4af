#!/usr/bin/env python3
"""Drives one scripted clerk's day through the running daemon (see Tests/Days/run).

Usage: drive.py KIOSKD DAYFILE WORKDIR

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
    global DAY
    kioskd, dayfile, workdir = sys.argv[1:4]
    DAY = os.path.splitext(os.path.basename(dayfile))[0]
    parts, steps, expected_stock = parse(dayfile)
    fifo = os.path.join(workdir, "scan.fifo")
    config = os.path.join(workdir, "kioskd.toml")
    with open(config, "w") as f:
        f.write(f'[device]\nid = "days-{DAY}"\ndata_dir = "{workdir}/data"\n[web]\nenabled = false\n'
                f'[[scanners]]\nkind = "fifo"\npath = "{fifo}"\n')
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
        deadline = time.monotonic() + WAIT
        while True:
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
        os.set_blocking(w, True)

        results = []  # [line, code, expected, feedback lines]
        scans = 0
        for step in steps:
            if step[0] == "kioskd":
                run_kioskd(kioskd, config, step[2], f"line {step[1]}")
                continue
            _, n, code, expected = step
            scans += 1
            os.write(w, (code + "\n").encode("utf-8"))
            results.append([n, code, expected, None])
            deadline = time.monotonic() + WAIT
            while results[-1][3] is None:
                for l in daemon.lines():
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
                if not daemon.read_some(deadline):
                    fail(f"line {n}: waited {WAIT:.0f} s for the daemon's feedback line to scan {code!r}")
        os.close(w)
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
    print(f"{DAY}: {scans} scans, {scans - bad} as expected, final stock "
          + ("as expected" if stock_ok else "NOT as expected") + ", stock check " + ("ok" if check.returncode == 0 else "FAILED"))
    sys.exit(0 if bad == 0 and stock_ok else 1)


DAY = "day"
if __name__ == "__main__":
    main()
