#!/usr/bin/env python3
"""Times scan to lamp on real kernel devices: a uinput keyboard-wedge scanner types a code and
Enter; the time runs from the Enter key's report to the green lamp's gpio-sim line reading 1.

    scan_to_lamp.py VALUE_FILE SCANS CODE [SETUP_CODE...]

Types the SETUP_CODEs first (mode, bin), then CODE SCANS times, each after the last flash has
ended. Prints 'scans=<n> p50_us=<..> p90_us=<..> p99_us=<..> min_us=<..> max_us=<..> slowest=#<scan>:<us> …'."""
import fcntl, os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from uinput_scanner import KEYS, ENTER, EV_KEY, EV_SYN, SYN_REPORT, UI_DEV_DESTROY, emit, tap, create_scanner, wait_until_grabbed

value_file, scans, code, setup = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
# SCAN_TO_LAMP_POLL_US=N sleeps N µs between reads of the line instead of spinning: a spinning
# poller holds one of the VM's two vCPUs, which a program that needs more than one time slice
# (kioskd) loses to it and a read-and-ioctl (the baseline) does not. Off by default, so that
# figures stay comparable with earlier runs; the sleep adds up to N µs (and the emulated
# timer's slack) to every figure, the baseline's too.
poll_sleep = int(os.environ.get("SCAN_TO_LAMP_POLL_US", "0")) / 1e6

def lit():
    with open(value_file) as f:
        return f.read(1) == "1"

def wait_dark(timeout=5.0):
    end = time.monotonic() + timeout
    while lit() and time.monotonic() < end:
        time.sleep(0.005)

fd, node = create_scanner("HIL Barcode Scanner")
os.close(wait_until_grabbed(node, 60))

def type_code(text):
    for ch in text:
        tap(fd, *KEYS[ch], 0.001)
    emit(fd, EV_KEY, ENTER, 1); emit(fd, EV_SYN, SYN_REPORT, 0)
    start = time.monotonic_ns()
    emit(fd, EV_KEY, ENTER, 0); emit(fd, EV_SYN, SYN_REPORT, 0)
    return start

for text in setup:
    type_code(text)
    time.sleep(0.5)
wait_dark()
samples = []
for _ in range(scans):
    wait_dark()
    time.sleep(0.05)
    start = type_code(code)
    end = time.monotonic() + 5
    while not lit():
        if time.monotonic() > end:
            sys.exit("the green lamp never lit")
        if poll_sleep:
            time.sleep(poll_sleep)
    samples.append((time.monotonic_ns() - start) / 1000)
fcntl.ioctl(fd, UI_DEV_DESTROY)
os.close(fd)
slowest = sorted(range(len(samples)), key=lambda i: -samples[i])[:3]
slowest = " ".join(f"#{i + 1}:{samples[i]:.0f}" for i in slowest)
samples.sort()
pick = lambda p: samples[min(len(samples) - 1, int(len(samples) * p))]
print(f"scans={len(samples)} p50_us={pick(0.5):.0f} p90_us={pick(0.9):.0f} p99_us={pick(0.99):.0f} min_us={samples[0]:.0f} max_us={samples[-1]:.0f} slowest={slowest}")
