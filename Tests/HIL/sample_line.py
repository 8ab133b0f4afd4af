#!/usr/bin/env python3
"""Samples a gpio-sim line's value file: sample_line.py VALUE_FILE SECONDS [READY_FILE]
Prints 'rising=<edges> duty=<fraction lit> samples=<n>'. Creates READY_FILE once sampling
has begun, so a scenario can act only after the sampler is watching."""
import sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
ready = sys.argv[3] if len(sys.argv) > 3 else None
interval = 0.01
values, end = [], time.monotonic() + seconds
if ready:
    open(ready, "w").close()
while time.monotonic() < end:
    with open(path) as f:
        values.append(f.read().strip() == "1")
    time.sleep(interval)
rising = sum(1 for a, b in zip(values, values[1:]) if b and not a)
print(f"rising={rising} duty={sum(values) / len(values):.2f} samples={len(values)}")
