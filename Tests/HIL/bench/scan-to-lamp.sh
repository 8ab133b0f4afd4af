# Benchmark (runs inside the VM; not a pass/fail scenario): scan to lamp on real kernel devices.
# A uinput keyboard-wedge scanner types a part's code into kioskd (HID source, grabbed evdev),
# which commits the movement and flashes the green lamp of a gpio-sim stack light; the time
# runs from the Enter key's report to the line reading 1 in sysfs. Software emulation (TCG):
# the figures are those of an emulated 2-core x86 machine, slower than a board's. Side by side,
# in the same boot, the baseline: relay.c, which only lights the line at each Enter key.
#   gcc -O2 -o .build-hil/relay Tests/HIL/bench/relay.c -lgpiod    (on the host, first)
#   gcc -O2 -DWITH_SQLITE -o .build-hil/relay-sqlite Tests/HIL/bench/relay.c -lgpiod -lsqlite3
#     (optional: the floor, relay.c with one durable SQLite commit per scan, timed after it)
#   Tests/HIL/vm Tests/HIL/bench/scan-to-lamp.sh [SCANS]     (KIOSKD=… for another build)
# Builds compared in one boot: KIOSKD="A B A B" runs each in turn, each on a fresh store
# (the VM passes the variable through: KIOSKD=… Tests/HIL/vm …; or copy this script).
set -eu
KIOSKD=${KIOSKD:-$PWD/.build/release/kioskd}
HERE=$PWD/Tests/HIL
scans=${1:-200}
modprobe evdev
modprobe uinput
. $HERE/gpio-sim.sh
gpio_sim counter counter-io 8
data=/tmp/hil-lamp
mkdir -p $data
printf 'part_number,name_zh,name_en,barcodes,bin\n15400-RTA-003,机油滤清器,Oil filter,6901234567892,A-01\n' > $data/parts.csv
cat > $data/kioskd.toml <<TOML
[device]
id = "hil-counter"
data_dir = "$data"
[web]
enabled = false
[backup]
enabled = false
[bay]
id = "COUNTER"
[gpio]
chip = "counter-io"
[gpio.lamps]
red = 0
green = 2
[[scanners]]
kind = "hid"
name = "HIL Barcode Scanner"
TOML
# The baseline first, then kioskd, the same scanner and line.
$PWD/.build-hil/relay "HIL Barcode Scanner" counter-io 2 &
relay=$!
printf 'baseline (relay.c): '
/usr/bin/python3 $HERE/scan_to_lamp.py $sim/sim_gpio2/value "$scans" 6901234567892
kill $relay; wait $relay 2>/dev/null || true
if [ -x $PWD/.build-hil/relay-sqlite ]; then
  rm -f $data/floor.sqlite*
  $PWD/.build-hil/relay-sqlite "HIL Barcode Scanner" counter-io 2 $data/floor.sqlite &
  relay=$!
  printf 'floor (relay.c + one SQLite commit): '
  /usr/bin/python3 $HERE/scan_to_lamp.py $sim/sim_gpio2/value "$scans" 6901234567892
  kill $relay; wait $relay 2>/dev/null || true
fi
for bin in $KIOSKD; do
  rm -f $data/kioskd.sqlite $data/kioskd.sqlite-wal $data/kioskd.sqlite-shm
  $bin parts import --config $data/kioskd.toml $data/parts.csv > /dev/null
  $bin run --config $data/kioskd.toml > $data/daemon.out 2> $data/daemon.err &
  daemon=$!
  printf 'kioskd (%s): ' "$bin"
  /usr/bin/python3 $HERE/scan_to_lamp.py $sim/sim_gpio2/value "$scans" 6901234567892 KD:CMD:RECEIVE KD:BIN:A-01 \
    || { echo "--- daemon stderr"; tail -20 $data/daemon.err; exit 1; }
  kill -TERM $daemon; wait $daemon || true
  onhand=$($bin stock --config $data/kioskd.toml --part 15400-RTA-003 | awk -F'\t' '$1=="15400-RTA-003"{print $3}')
  echo "on hand: ${onhand:-0}"
  # Lookups light the green lamp too: if a setup scan was lost (kioskd says so and lights
  # red; in the emulator the reader's very first scan can fall behind the typed keys), the
  # scans timed were lookups, not receipts.
  if [ "${onhand:-0}" != "$scans" ]; then
    echo "NOT VALID: $scans receipts expected on hand; the setup scans came to:"; head -2 $data/daemon.out
  fi
done
