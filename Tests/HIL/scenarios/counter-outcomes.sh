# Scenario (runs inside the VM): the counter's stack light ([gpio] without [bay]) on a gpio-sim
# chip shows each scan outcome with its own lamp and buzzer pattern. Codes are typed one at a
# time by a uinput keyboard-wedge scanner into the real kioskd; every lamp and the buzzer are
# recorded edge by edge (sample_lines.py) and each outcome's window is checked: which lamp,
# steady or blinking (edges counted), roughly how long, how many buzzer pulses
# (Tests/HIL/counter_outcomes.py has the table). The store lives on an ext4 image that is
# turned read-only at the end for the store-fault case (as scenarios/read-only.sh does).
set -eu
KIOSKD=${KIOSKD:-$PWD/.build/debug/kioskd}
HERE=$PWD/Tests/HIL
PY=/usr/bin/python3   # not a pyenv shim: its start-up costs seconds under emulation
WATCH=$PWD/.build-hil/linewatch   # built on the host by Tests/HIL/vm from Tests/HIL/linewatch.c
modprobe evdev; modprobe uinput; modprobe loop; modprobe ext4
. $HERE/gpio-sim.sh
gpio_sim counter counter-io 8

# The store on its own small ext4 file system, so it can be made read-only later.
mkdir -p /run/img /run/store
mount -t tmpfs -o size=64M tmpfs /run/img
/sbin/mkfs.ext4 -q -F /run/img/store.ext4 16M
dev=$(losetup -f --show /run/img/store.ext4)
mount -t ext4 -o errors=remount-ro "$dev" /run/store
data=/run/store/data; run=/run/outcomes; mkdir -p $data $run

cat > $run/parts.csv <<CSV
part_number,name_zh,name_en,barcodes,bin,safety_stock,reorder_point
P-OK,机油滤清器,Oil filter,6901234567892,A-01,0,0
P-LOW,前刹车片,Front brake pads,6920000000012,B-01,5,8
P-AIR,空气滤清器,Air filter,6920000000029,B-02,0,0
P-PLUG,火花塞,Spark plug,6920000000036,C-01,0,0
CSV
# A counter: [gpio] without [bay]. The HID scanner has a duplicate window of 8 s (long enough
# for the repeat to land inside it under emulation) and a 200 ms inter-key timeout (the
# emulated CPUs sometimes pause the typing process for longer than the default 50 ms).
cat > $run/kioskd.toml <<TOML
[device]
id = "hil-counter"
data_dir = "$data"
[web]
enabled = false
[gpio]
chip = "counter-io"
buzzer = 4
[gpio.lamps]
red = 0
amber = 1
green = 2
blue = 3
[[scanners]]
kind = "hid"
name = "HIL Barcode Scanner"
duplicate_window_ms = 8000
inter_key_timeout_ms = 200
TOML
K() { $KIOSKD "$@" --config $run/kioskd.toml; }
fail() { echo "FAIL: $*"; echo "--- daemon stdout"; tail -30 $run/daemon.out; echo "--- daemon stderr"; tail -30 $run/daemon.err; exit 1; }
K parts import $run/parts.csv > /dev/null
K jobs open --ticket WO-1 --plate 粤B12345 --vin LSVAU2180N2183294 --phone 13800138000 > /dev/null

# Record every lamp and the buzzer from before the daemon starts.
rm -f $run/edges $run/edges.ready
$WATCH $run/edges $run/edges.ready red=$sim/sim_gpio0/value amber=$sim/sim_gpio1/value \
  green=$sim/sim_gpio2/value blue=$sim/sim_gpio3/value buzzer=$sim/sim_gpio4/value &
sampler=$!
for i in $(seq 1 300); do [ -f $run/edges.ready ] && break; sleep 0.1; done
[ -f $run/edges.ready ] || fail "timed out (30 s) waiting for the line sampler to start"

$KIOSKD run --config $run/kioskd.toml > $run/daemon.out 2> $run/daemon.err &
daemon=$!
for i in $(seq 1 300); do grep -q "stack light ready" $run/daemon.err && break; sleep 0.1; done
grep -q "stack light ready" $run/daemon.err || fail "timed out (30 s) waiting for the stack light (libgpiod on counter-io)"

start=$(date +%s)
$PY $HERE/counter_outcomes.py --out $run/daemon.out --edges $run/edges --daemon-pid $daemon \
  --store-fail "echo 1 > /sys/fs/ext4/$(basename $dev)/trigger_fs_error" > $run/driver.out 2>&1 || { cat $run/driver.out; fail "counter_outcomes.py"; }
cat $run/driver.out
echo "outcomes driven in $(( $(date +%s) - start )) s"

kill -TERM $sampler; wait $sampler || true
echo "line watcher: $(grep '^# samples' $run/edges)"
kill -TERM $daemon; wait $daemon || echo "daemon exit status $? on a read-only store"
grep -q "kioskd stopped" $run/daemon.err || fail "no clean stop"
grep -q 'status=connected' $run/daemon.err || fail "the HID scanner never connected"
umount /run/store 2>/dev/null || true
losetup -d "$dev" 2>/dev/null || true
grep '^PASS counter-outcomes' $run/driver.out > /dev/null || fail "no PASS line"
