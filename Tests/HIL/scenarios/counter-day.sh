# Scenario (runs inside the VM): a scripted clerk's day (Tests/Days/dayN.txt, the same file
# Tests/Days/run drives through the FIFO) typed scan by scan by a uinput keyboard-wedge
# scanner into the real kioskd: every feedback line and the final stock must match the file
# exactly as through the FIFO. GS1 group separators ({GS}) are typed as Ctrl+], as wedge
# scanners send FNC1. Usage: counter-day.sh [dayN ...] (default: day1).
set -eu
KIOSKD=${KIOSKD:-$PWD/.build/debug/kioskd}
PY=/usr/bin/python3   # not a pyenv shim: its start-up costs seconds under emulation
modprobe evdev; modprobe uinput
[ $# -gt 0 ] || set -- day1
for day in "$@"; do
  work=/tmp/hil-days/$day; mkdir -p $work
  start=$(date +%s)
  if ! $PY Tests/Days/drive.py "$KIOSKD" Tests/Days/$day.txt $work --uinput "HIL Barcode Scanner" --key-ms 2 --wait 30 > $work/drive.out 2>&1; then
    cat $work/drive.out
    echo "--- daemon stderr (tail)"; tail -20 $work/daemon.err
    echo "FAIL counter-day: $day"
    exit 1
  fi
  cat $work/drive.out
  grep -c 'status=connected' $work/daemon.err > /dev/null || { echo "FAIL counter-day: the HID scanner never connected"; exit 1; }
  # A scan lost to dropped keys (emulation stalls the reader) is signalled by kioskd and typed
  # again by the driver, as a clerk would; many of them would mean the reader cannot keep up.
  lost=$(grep -c 'Scanner\] 扫描丢失' $work/daemon.err || true)
  [ "$lost" -le 5 ] || { echo "FAIL counter-day: $lost scans lost to dropped keys ($day)"; exit 1; }
  echo "PASS counter-day $day: typed through uinput in $(( $(date +%s) - start )) s"
done
