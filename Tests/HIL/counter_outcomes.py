#!/usr/bin/env python3
"""Drives Tests/HIL/scenarios/counter-outcomes.sh (inside the VM): types codes through a uinput
keyboard-wedge scanner into the running kioskd (a counter: [gpio] without [bay]), one at a
time, and checks each outcome's lamp and buzzer on the gpio-sim lines recorded by
linewatch.c (the log of sample_lines.py).

    counter_outcomes.py --out DAEMON_STDOUT --edges EDGE_LOG [--store-fail COMMAND]

The scenario's store holds P-OK 6901234567892 (safety stock 0), P-LOW 6920000000012 (safety
stock 5, so a receipt of one is low), P-AIR 6920000000029 and P-PLUG 6920000000036, and the
open work order WO-1; the scanner has a duplicate window of several seconds. With
--store-fail, COMMAND (a shell command) makes the store's file system read-only before the
store-fault case.

Every wait is bounded and fails saying what it waited for. A window for one scan runs from
just before its first key to the moment all lines have been still for QUIET seconds.

A window in which the line watcher could not look (a '# gap' in its log: emulation on a loaded
host held it up for longer than the shortest pulse) cannot be judged, so the outcome is
measured again with fresh codes (the scanner's duplicate window would swallow the same code),
up to TRIES times; only then is the blind spot a failure. The store holds spare parts for this
(P-S*, P-LOW2/3, P-F*).
"""
import argparse
import signal, os, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from uinput_scanner import create_scanner, wait_until_grabbed, type_code  # noqa: E402
from sample_lines import read_edges, summarize, last_edge_time, blind_spots, last_look  # noqa: E402

LAMPS = ("red", "amber", "green", "blue")
MARKS = ("OK ", "REJECTED ", "= 已处理")
LOST = "REJECTED 扫描丢失"
QUIET = 1.0       # s without an edge (longer than any gap inside one signal: slow blink is 0.5 s off)
FEEDBACK_WAIT = 20.0
SIGNAL_WAIT = 15.0
KEY_S = 0.002
TRIES = 3

# What each outcome must look like (generous: TCG stretches every time).
#   lamp, blink: None (steady: one rise), "slow" (1 Hz: 2–3 rises in 1.5 s), "fast" (4 Hz)
#   lit: bounds on the time lit (steady) / span: first rise to last fall (blinking)
#   chirps: buzzer pulses
EXPECT = {
    "accepted":     dict(lamp="green", blink=None,   lit=(0.15, 1.2), chirps=1),
    "accepted-low": dict(lamp="amber", blink=None,   lit=(0.9, 3.5),  chirps=2),
    "duplicate":    dict(lamp="blue",  blink=None,   lit=(0.15, 1.2), chirps=2),
    "wrong":        dict(lamp="amber", blink="fast", rises=(4, 9),  span=(1.0, 3.5), chirps=2),
    "unknown-code": dict(lamp="red",   blink="slow", rises=(2, 3),  span=(0.9, 3.5), chirps=2),
    "refused":      dict(lamp="red",   blink=None,   lit=(0.9, 3.5),  chirps=3),
    "store-fault":  dict(lamp="red",   blink="fast", rises=(12, 26), span=(3.5, 9.0), chirps=1),
}


class Rig:
    def __init__(self, out, edges, remeasure=False):
        self.out, self.edges = out, edges
        self.remeasure = remeasure  # treat every first window as blind (to test this driver)
        self.seen = 0  # feedback lines consumed
        self.failures = []
        self.figures = []
        self.lost = []
        self.remeasured = []

    def feedback_lines(self):
        """Feedback entries so far: a marked first line with its continuation lines."""
        entries = []
        with open(self.out, encoding="utf-8", errors="replace") as f:
            for line in f.read().split("\n"):
                if line.startswith(MARKS):
                    entries.append(line)
                elif entries and line:
                    entries[-1] += "\n" + line
        return entries

    def wait_feedback(self, what):
        deadline = time.monotonic() + FEEDBACK_WAIT
        while True:
            entries = self.feedback_lines()
            if len(entries) > self.seen:
                new = entries[self.seen:]
                self.seen = len(entries)
                return new
            if time.monotonic() > deadline:
                fail(f"waited {FEEDBACK_WAIT:.0f} s for the daemon's feedback line to {what}")
            time.sleep(0.02)  # poll interval of a bounded wait

    def wait_signal(self, t0, lamp, what):
        """Waits until `lamp` rose after t0, then until every line is low and still for QUIET s.
        Returns the end of the window."""
        deadline = time.monotonic() + SIGNAL_WAIT
        while True:
            edges = read_edges(self.edges)
            if any(t > t0 and v == 1 for t, v in edges.get(lamp, [])):
                break
            if time.monotonic() > deadline:
                fail(f"waited {SIGNAL_WAIT:.0f} s for the {lamp} lamp to light after {what}")
            time.sleep(0.02)
        deadline = time.monotonic() + SIGNAL_WAIT
        while True:
            edges = read_edges(self.edges)
            now = time.monotonic()
            low = all(s[-1][1] == 0 for s in edges.values() if s)
            if low and now - last_edge_time(edges) >= QUIET:
                return now
            if now > deadline:
                fail(f"waited {SIGNAL_WAIT:.0f} s for the lamps and buzzer to go quiet after {what}: "
                     + ", ".join(f"{n}={s[-1][1]}" for n, s in sorted(edges.items()) if s))
            time.sleep(0.05)

    def scan(self, fd, code, sync_lamp="green"):
        """Types `code`, waits for its feedback and its signal; returns (feedback, t0, t1).
        A scan kioskd reports lost to dropped keys (emulation stalls its reader) is typed
        again, as kioskd tells the clerk to, at most twice."""
        for attempt in range(3):
            t0 = time.monotonic()
            type_code(fd, code, KEY_S)
            lines = self.wait_feedback(f"the scan {code!r}")
            if len(lines) == 1 and lines[0].startswith(LOST):
                self.wait_signal(t0, "red", f"the lost scan {code!r}")
                self.lost.append(code)
                print(f"   (scan {code!r} lost to dropped keys, typed again)", flush=True)
                continue
            break
        else:
            fail(f"the scan {code!r} was lost to dropped keys 3 times")
        if len(lines) != 1:
            fail(f"one scan {code!r} gave {len(lines)} feedback lines: {lines}")
        t1 = self.wait_signal(t0, sync_lamp, f"the scan {code!r} ({lines[0].splitlines()[0]})")
        return lines[0], t0, t1

    def check(self, outcome, feedback, t0, t1, prefix, label=None, blind=False):
        """Judges one window. A blind spot (a span the watcher did not look at) can only hide
        edges: too few rises or pulses, a lit time or span or tone off its bounds. With
        `blind`, a retry follows: only what no hidden edge explains is judged (the feedback
        text, another lamp lighting, more rises or pulses than the outcome has), and the return
        value says whether the window was judged. Without it, a blind spot fails the window."""
        want = EXPECT[outcome]
        edges = read_edges(self.edges)
        first = feedback.split("\n", 1)[0]
        problems = []    # what no hidden edge can explain
        unseen = []      # what a hidden edge could explain
        if not first.startswith(prefix):
            problems.append(f"feedback {first!r} does not start with {prefix!r}")
        if label and f"«{label}" not in feedback:
            problems.append(f"feedback has no «{label}…» label")
        if not label and "«" in feedback:
            problems.append("feedback carries a «…» label it should not")
        # A span in which the watcher did not look could hide a whole chirp: say so, never count past it.
        for a, b in blind_spots(self.edges, t0, t1):
            unseen.append(f"the line watcher was blind for {1000 * (b - a):.0f} ms at {a:.3f}: the edges of this window cannot be told")
        lamp = summarize(edges.get(want["lamp"], []), t0, t1)
        others = {n: summarize(edges.get(n, []), t0, t1) for n in LAMPS if n != want["lamp"]}
        buzz = summarize(edges.get("buzzer", []), t0, t1)
        for n, s in others.items():
            if s["rises"]:
                problems.append(f"{n} lit too ({s['rises']} rises)")
        if want["blink"] is None:
            shape = f"{want['lamp']} steady {lamp['lit']:.2f} s ({lamp['rises']} rise)"
            lo, hi = want["lit"]
            if lamp["rises"] != 1:
                (problems if lamp["rises"] > 1 else unseen).append(
                    f"{want['lamp']} should light once (steady), rose {lamp['rises']} times")
            if not lo <= lamp["lit"] <= hi:
                unseen.append(f"{want['lamp']} lit {lamp['lit']:.2f} s, expected {lo}–{hi} s")
        else:
            shape = (f"{want['lamp']} {want['blink']} blink {lamp['rises']} rises over {lamp['span']:.2f} s "
                     f"(lit {lamp['lit']:.2f} s)")
            lo, hi = want["rises"]
            if not lo <= lamp["rises"] <= hi:
                (problems if lamp["rises"] > hi else unseen).append(
                    f"{want['lamp']} rose {lamp['rises']} times, expected {lo}–{hi} ({want['blink']} blink)")
            lo, hi = want["span"]
            if not lo <= lamp["span"] <= hi:
                unseen.append(f"{want['lamp']} blinked for {lamp['span']:.2f} s, expected {lo}–{hi} s")
        pulses_ms = [round(1000 * (b - a)) for a, b in buzz["pulses"]]
        chirp = f"buzzer {len(buzz['pulses'])} pulse(s) {pulses_ms} ms"
        if len(buzz["pulses"]) != want["chirps"]:
            (problems if len(buzz["pulses"]) > want["chirps"] else unseen).append(
                f"buzzer sounded {len(buzz['pulses'])} times, expected {want['chirps']}")
        elif outcome == "store-fault" and not 0.6 <= pulses_ms[0] / 1000 <= 2.5:
            unseen.append(f"the store-fault tone lasted {pulses_ms[0]} ms, expected about 1000 ms")
        elif outcome == "accepted-low" and not pulses_ms[1] > pulses_ms[0]:
            unseen.append(f"accepted-low should be short then long: {pulses_ms} ms")
        if blind and not problems:
            return False
        if not blind:
            problems += unseen
        figures = f"{shape}, {chirp}"
        print(f"{'ok' if not problems else 'FAIL'} {outcome}: {first[:70]} | {figures}", flush=True)
        for p in problems:
            print(f"   - {p}", flush=True)
        if blind:
            print("   - (the watcher was blind in this window too, but no hidden edge explains the above)", flush=True)
        self.figures.append(f"{outcome}: {figures}")
        if problems:
            self.failures.append(outcome)
        return True

    def seen_until(self, t1):
        """Waits until the watcher has logged a look at or after t1 (its '# look' heartbeat),
        so that a stall still going on when the window closed is in the log as a gap."""
        deadline = time.monotonic() + SIGNAL_WAIT
        while last_look(self.edges) < t1:
            if time.monotonic() > deadline:
                fail(f"waited {SIGNAL_WAIT:.0f} s for the line watcher to look past the end of a window (is linewatch running?)")
            time.sleep(0.02)

    def measure(self, outcome, attempt):
        """Checks `outcome` on the window of attempt(n) -> (feedback, t0, t1, prefix, label), the
        first window the watcher saw whole, trying n = 0, 1, … up to TRIES times. A blind
        window is still judged on what no hidden edge explains before it is measured again."""
        for n in range(TRIES):
            fb, t0, t1, prefix, label = attempt(n)
            self.seen_until(t1)
            spots = blind_spots(self.edges, t0, t1) or ([(t0, t0)] if self.remeasure and n == 0 else [])
            if spots and n < TRIES - 1:
                if self.check(outcome, fb, t0, t1, prefix, label, blind=True):
                    return
                worst = max(b - a for a, b in spots)
                print(f"   (the line watcher was blind for {1000 * worst:.0f} ms in the {outcome} window: "
                      "measured again with a fresh code)", flush=True)
                self.remeasured.append(outcome)
                continue
            self.check(outcome, fb, t0, t1, prefix, label)
            return

def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


# The scenario's parts (Tests/HIL/scenarios/counter-outcomes.sh writes the same table).
ACCEPT = {"6901234567892": "P-OK", "6920000000043": "P-S1", "6920000000050": "P-S2"}
SPARE = {"6920000000067": "P-S3", "6920000000074": "P-S4", "6920000000081": "P-S5",
         "6920000000098": "P-S6", "6920000000104": "P-S7", "6920000000111": "P-S8"}
LOW = ["6920000000012", "6920000000128", "6920000000135"]
LOW_PART = dict(zip(LOW, ["P-LOW", "P-LOW2", "P-LOW3"]))
FAULT = ["6920000000029", "6920000000036", "6920000000142", "6920000000159",
         "6920000000166", "6920000000173", "6920000000180"]          # P-AIR, P-PLUG, P-F1…P-F5


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--edges", required=True)
    p.add_argument("--name", default="HIL Barcode Scanner")
    p.add_argument("--store-fail")
    p.add_argument("--daemon-pid", type=int, help="stop the daemon while a code is typed, so the kernel drops its keys")
    p.add_argument("--remeasure", action="store_true",
                   help="measure every outcome a second time on fresh codes, as after a blind spot (tests this driver)")
    a = p.parse_args()
    rig = Rig(a.out, a.edges, a.remeasure)
    rig.seen = len(rig.feedback_lines())
    spare = list(SPARE)   # fresh codes, taken once each

    fd, node = create_scanner(a.name)
    os.close(wait_until_grabbed(node, 60))  # returns its spying reader, still open
    print(f"scanner {node} plugged in and grabbed by kioskd", flush=True)

    rig.scan(fd, "KD:CMD:RECEIVE")
    received = []

    def accepted(n):
        code = list(ACCEPT)[n]
        fb, t0, t1 = rig.scan(fd, code, "green")
        received.append(code)
        return fb, t0, t1, f"OK ✓ 入库 {ACCEPT[code]} ", None
    rig.measure("accepted", accepted)

    # The same code again inside the window: duplicate ignored, once (blue, two ticks). Measured
    # again on a fresh code, received first.
    repeated = []

    def fresh_duplicate():
        """A spare code received and then repeated (reported as a duplicate, unmeasured)."""
        code = spare.pop(0)
        rig.scan(fd, code, "green")
        rig.scan(fd, code, "blue")
        return code

    def duplicate(n):
        code = received[-1]
        if n:
            code = spare.pop(0)
            rig.scan(fd, code, "green")
        fb, t0, t1 = rig.scan(fd, code, "blue")
        repeated.append(code)
        return fb, t0, t1, "= 已处理", None
    rig.measure("duplicate", duplicate)

    # A third time: silent (no feedback line, no flash). The next scan's feedback must be the
    # only one, and its window (from before the repeat) must show only its own signal.
    def low(n):
        code = fresh_duplicate() if n else repeated[-1]
        t0 = time.monotonic()
        type_code(fd, code, KEY_S)
        type_code(fd, LOW[n], KEY_S)
        lines = rig.wait_feedback("the receipt of a low part after a silent repeat")
        if not lines[0].startswith(f"OK ✓ 入库 {LOW_PART[LOW[n]]} ") or len(lines) != 1:
            fail(f"the repeat inside the duplicate window was not silent: {lines}")
        t1 = rig.wait_signal(t0, "amber", "the low-stock receipt")
        if len(rig.feedback_lines()) != rig.seen:
            fail(f"a feedback line after the low-stock receipt: {rig.feedback_lines()[rig.seen:]}")
        return lines[0], t0, t1, f"OK ✓ 入库 {LOW_PART[LOW[n]]} ", "已完成·低库存"
    rig.measure("accepted-low", low)
    print("ok: a further repeat inside the window was silent (no feedback line, no flash)", flush=True)

    def unknown(n):
        code = f"NOPE-{123 + n}"
        fb, t0, t1 = rig.scan(fd, code, "red")
        return fb, t0, t1, f"REJECTED 未知条码 {code}", "无法识别"
    rig.measure("unknown-code", unknown)

    rig.scan(fd, "KD:CMD:ISSUE")

    def wrong(n):
        order = f"WO-{404 + n}"
        fb, t0, t1 = rig.scan(fd, f"KD:WO:{order}", "amber")
        return fb, t0, t1, f"REJECTED 未知工单 {order}", "不符"
    rig.measure("wrong", wrong)

    # Issue more than on hand (a low part has 1, or none): refused.
    rig.scan(fd, "KD:WO:WO-1")

    def refused(n):
        rig.scan(fd, f"KD:CMD:QTY:{5 + n}")
        fb, t0, t1 = rig.scan(fd, LOW[n], "red")
        return fb, t0, t1, "REJECTED 库存不足", None
    rig.measure("refused", refused)

    if a.daemon_pid:
        # A scan the kernel drops (the reader was not scheduled while a long code was typed):
        # the clerk is told to scan again (unknown code: red slow blink, two short beeps).
        rig.scan(fd, "KD:CMD:LOOKUP")   # not RECEIVE: the store-fault step scans that next, inside the window

        def lost(n):
            os.kill(a.daemon_pid, signal.SIGSTOP)
            t0 = time.monotonic()
            try:
                type_code(fd, "KD:CMD:RECEIVE-WITH-A-LONG-TAIL-OF-SHIFTED-KEYS", 0.001)
            finally:
                os.kill(a.daemon_pid, signal.SIGCONT)
            fb = rig.wait_feedback("the signal of a scan lost to dropped keys")[0]
            t1 = rig.wait_signal(t0, "red", "the lost scan")
            return fb, t0, t1, "REJECTED 扫描丢失", "无法识别"
        rig.measure("unknown-code", lost)
        print("ok: a scan lost to dropped keys was signalled (scan again)", flush=True)
        # Lost again inside the scanner's duplicate window: a loss of its own, never "duplicate ignored".
        fb = lost(TRIES)[0]
        if not fb.startswith("REJECTED 扫描丢失"):
            fail(f"a second scan lost to dropped keys was not signalled as lost: {fb.splitlines()[0]}")
        print("ok: a second lost scan inside the duplicate window was signalled as lost again", flush=True)

    if a.store_fail:
        rig.scan(fd, "KD:CMD:RECEIVE")
        subprocess.run(a.store_fail, shell=True, check=True)
        print(f"store made to fail: {a.store_fail}", flush=True)
        codes = iter(FAULT)
        faulted = []

        def store_fault(n):
            for code in codes:
                t0 = time.monotonic()
                type_code(fd, code, KEY_S)
                fb = rig.wait_feedback(f"the receipt of {code} on a failed store")[0]
                if fb.startswith("REJECTED 扫描未保存"):
                    t1 = rig.wait_signal(t0, "red", "the store fault")
                    faulted.append(code)
                    return fb, t0, t1, "REJECTED 扫描未保存", None
                if faulted:
                    fail(f"a receipt after a store fault was saved: {fb.splitlines()[0][:60]}")
                print(f"   receipt of {code} after the fault still saved: {fb.splitlines()[0][:60]}", flush=True)
                rig.wait_signal(t0, "green", f"the receipt of {code}")
            if faulted:
                fail(f"the spare codes ran out after {len(faulted)} store faults, each in a window the watcher could not see whole")
            fail(f"{len(FAULT)} receipts after the file system turned read-only gave no store fault")
        rig.measure("store-fault", store_fault)
        print(f"   (store fault on receipt {FAULT.index(faulted[0]) + 1} after the file system turned read-only)", flush=True)
    else:
        print("store-fault: skipped (no --store-fail)", flush=True)

    os.close(fd)  # leaves the device plugged until exit; closing the uinput fd unplugs it
    if rig.failures:
        print(f"FAIL counter-outcomes: {', '.join(rig.failures)}", flush=True)
        sys.exit(1)
    notes = []
    if rig.lost:
        notes.append(f"{len(rig.lost)} scans lost to dropped keys and typed again")
    if rig.remeasured:
        notes.append(f"measured again after a blind spot: {', '.join(rig.remeasured)}")
    print("PASS counter-outcomes: " + "; ".join(rig.figures) + (f" ({'; '.join(notes)})" if notes else ""), flush=True)


if __name__ == "__main__":
    main()
