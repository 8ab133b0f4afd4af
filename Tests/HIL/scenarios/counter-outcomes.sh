# Scenario (runs inside the VM): the counter's stack light ([gpio] without [bay]) on a gpio-sim
# chip shows each scan outcome with its own lamp and buzzer pattern. Codes are typed one at a
# time by a uinput keyboard-wedge scanner into the real kioskd; every lamp and the buzzer are
# recorded edge by edge (sample_lines.py) and each outcome's window is checked: which lamp,
# steady or blinking (edges counted), roughly how long, how many buzzer pulses
# (Tests/HIL/counter_outcomes.py has the table); a window the watcher could not see whole is
# measured again on the spare parts below. The store lives on an ext4 image that is
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
P-S1,机油滤清器 S1,Oil filter S1,6920000000043,A-01,0,0
P-S2,机油滤清器 S2,Oil filter S2,6920000000050,A-01,0,0
P-S3,机油滤清器 S3,Oil filter S3,6920000000067,A-01,0,0
P-S4,机油滤清器 S4,Oil filter S4,6920000000074,A-01,0,0
P-S5,机油滤清器 S5,Oil filter S5,6920000000081,A-01,0,0
P-S6,机油滤清器 S6,Oil filter S6,6920000000098,A-01,0,0
P-S7,机油滤清器 S7,Oil filter S7,6920000000104,A-01,0,0
P-S8,机油滤清器 S8,Oil filter S8,6920000000111,A-01,0,0
P-LOW2,后刹车片,Rear brake pads,6920000000128,B-01,5,8
P-LOW3,刹车盘,Brake disc,6920000000135,B-01,5,8
P-F1,雨刮片,Wiper blade,6920000000142,C-01,0,0
P-F2,雨刮片 F2,Wiper blade F2,6920000000159,C-01,0,0
P-F3,雨刮片 F3,Wiper blade F3,6920000000166,C-01,0,0
P-F4,雨刮片 F4,Wiper blade F4,6920000000173,C-01,0,0
P-F5,雨刮片 F5,Wiper blade F5,6920000000180,C-01,0,0
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
