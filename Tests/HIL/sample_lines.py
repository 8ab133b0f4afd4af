#!/usr/bin/env python3
"""Records the edges of several gpio-sim lines at once, with timestamps (the scenarios use
linewatch.c, which writes the same log read every millisecond at real-time priority and also
logs its blind spots; this one is kept for machines without a C compiler).

    sample_lines.py LOG READY_FILE NAME=VALUE_FILE...

Polls every VALUE_FILE (sim_gpioN/value) about every 2 ms until SIGTERM/SIGINT and appends to
LOG one line per change: '<CLOCK_MONOTONIC seconds> <NAME> <0|1>' (the first value of every line
at start). Creates READY_FILE once the first values are written, so a scenario acts only
after the sampler is watching. On exit it appends '# samples=<n> mean_interval_ms=<x>'.

Other scripts import read_edges / summarize to look at a window of the log. The clock is
time.monotonic(), the same CLOCK_MONOTONIC any other process in the VM reads.
"""
import os, signal, sys, time

INTERVAL = 0.002


def read_edges(path):
    """{name: [(t, value), ...]} from a LOG, in time order."""
    edges = {}
    with open(path) as f:
        for raw in f:
            if raw.startswith("#") or not raw.endswith("\n"):
                continue  # a comment, or a line still being written
            t, name, value = raw.split()
            edges.setdefault(name, []).append((float(t), int(value)))
    return edges


def blind_spots(path, t0, t1):
    """The gaps ('# gap FROM TO', written by linewatch.c) that overlap [t0, t1]: spans in which
    the watcher did not look, long enough to hide a whole pulse."""
    spots = []
    with open(path) as f:
        for raw in f:
            if raw.startswith("# gap ") and raw.endswith("\n"):
                a, b = (float(x) for x in raw.split()[2:4])
                if b >= t0 and a <= t1:
                    spots.append((a, b))
    return spots


def last_look(path):
    """The latest moment the watcher says it looked at every line ('# look T', written by
    linewatch.c and by this sampler every 100 ms): the log is complete up to it."""
    latest = 0.0
    with open(path) as f:
        for raw in f:
            if raw.startswith("# look ") and raw.endswith("\n"):
                latest = max(latest, float(raw.split()[2]))
    return latest


def last_edge_time(edges):
    return max((e[-1][0] for e in edges.values() if e), default=0.0)


def value_at(series, t):
    v = 0
    for at, value in series:
        if at > t:
            break
        v = value
    return v


def summarize(series, t0, t1):
    """A line's behaviour in [t0, t1]: rising edges, pulses (lit intervals, clipped to the
    window), total time lit, and the span from the first rise to the last fall."""
    v = value_at(series, t0)
    on_at = t0 if v else None
    pulses, rises = [], 0
    for at, value in series:
        if at <= t0 or at > t1:
            continue
        if value and not v:
            rises += 1
            on_at = at
        elif not value and v and on_at is not None:
            pulses.append((on_at, at))
            on_at = None
        v = value
    if v and on_at is not None:
        pulses.append((on_at, t1))
    lit = sum(b - a for a, b in pulses)
    span = (pulses[-1][1] - pulses[0][0]) if pulses else 0.0
    return {"rises": rises, "pulses": pulses, "lit": lit, "span": span, "still_on": bool(v)}


def main():
    log, ready = sys.argv[1], sys.argv[2]
    lines = []
    for spec in sys.argv[3:]:
        name, path = spec.split("=", 1)
        lines.append((name, os.open(path, os.O_RDONLY)))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    out = open(log, "a", buffering=1)
    state = {}
    samples, started, last_look = 0, time.monotonic(), 0.0
    while not stop:
        for name, fd in lines:
            value = 1 if os.pread(fd, 8, 0)[:1] == b"1" else 0
            if state.get(name) != value:
                state[name] = value
                out.write(f"{time.monotonic():.6f} {name} {value}\n")
        if time.monotonic() - last_look >= 0.1:   # the heartbeat, as linewatch.c writes it
            last_look = time.monotonic()
            out.write(f"# look {last_look:.6f}\n")
        samples += 1
        if samples == 1:
            open(ready, "w").close()
        time.sleep(INTERVAL)
    elapsed = time.monotonic() - started
    out.write(f"# samples={samples} mean_interval_ms={1000 * elapsed / max(samples, 1):.2f}\n")
    out.close()


if __name__ == "__main__":
    main()
