# Scenario (runs inside the VM): a USB HID keyboard-wedge scanner made with uinput types codes
# at scanner speed into the real kioskd daemon, which must grab it, commit the movements, and
# pick the scanner up again after it is unplugged and plugged back, without a restart.
set -eu
KIOSKD=${KIOSKD:-$PWD/.build/debug/kioskd}
HERE=$PWD/Tests/HIL
modprobe evdev
modprobe uinput
# A stack light on a gpio-sim chip shows the scan feedback (green flash and chirp per accepted scan).
. $HERE/gpio-sim.sh
gpio_sim counter counter-io 8
data=/tmp/hil-hid
mkdir -p $data
cat > $data/parts.csv <<CSV
part_number,name_zh,name_en,barcodes,bin
15400-RTA-003,机油滤清器,Oil filter,6901234567892,A-01
CSV
cat > $data/kioskd.toml <<TOML
[device]
id = "hil-counter"
data_dir = "$data"
[web]
enabled = false
[bay]
id = "COUNTER"
[gpio]
chip = "counter-io"
buzzer = 4
[gpio.lamps]
red = 0
green = 2
[[scanners]]
kind = "hid"
name = "HIL Barcode Scanner"
TOML
$KIOSKD parts import --config $data/kioskd.toml $data/parts.csv
$KIOSKD run --config $data/kioskd.toml > $data/daemon.out 2> $data/daemon.err &
daemon=$!

fail() { echo "FAIL: $*"; echo "--- daemon stderr"; cat $data/daemon.err; echo "--- daemon stdout"; cat $data/daemon.out; exit 1; }

# Plug the scanner in only once the daemon is up, and type only once it has logged the scanner
# connected: under software emulation its start-up can keep the reader thread off the CPU long
# enough for the kernel's 64-event buffer to overflow at 2 ms a key (kioskd then says "scan lost,
# scan again", which counter-outcomes.sh tests on purpose).
for i in $(seq 1 300); do grep -q 'kioskd ready' $data/daemon.err && break; kill -0 $daemon || fail "the daemon exited"; sleep 0.1; done
grep -q 'kioskd ready' $data/daemon.err || fail "the daemon did not say 'kioskd ready' within 30 s"

# Plug in, type at 2 ms per key (shifted characters included), and check nothing leaks to a
# second reader; meanwhile watch the feedback lines.
rm -f $data/green.ready $data/buzz.ready
/usr/bin/python3 $HERE/sample_line.py $sim/sim_gpio2/value 25 $data/green.ready > $data/green &
g=$!
/usr/bin/python3 $HERE/sample_line.py $sim/sim_gpio4/value 25 $data/buzz.ready > $data/buzz &
b=$!
for i in $(seq 1 300); do [ -f $data/green.ready ] && [ -f $data/buzz.ready ] && break; sleep 0.1; done
/usr/bin/python3 $HERE/uinput_scanner.py --key-ms 2 --check-grabbed --wait-log "$data/daemon.err:status=connected:1" KD:CMD:RECEIVE KD:BIN:A-01 6901234567892 \
  || fail "scanner session 1 (exit $?)"
# Unplugged now (the device was destroyed). Plug it back in and scan again.
/usr/bin/python3 $HERE/uinput_scanner.py --key-ms 1 --wait-log "$data/daemon.err:status=connected:2" KD:CMD:QTY:4 6901234567892 || fail "scanner session 2"

on_hand=""
for i in $(seq 1 100); do
  on_hand=$($KIOSKD stock --config $data/kioskd.toml --part 15400-RTA-003 | awk -F'\t' '$1=="15400-RTA-003"{print $3}')
  [ "$on_hand" = "5" ] && break
  sleep 0.1
done
[ "$on_hand" = "5" ] || fail "expected 5 on hand (1 + 4), got '$on_hand'"
grep -q "OK ✓ 入库 15400-RTA-003 机油滤清器 ×4" $data/daemon.out || fail "no feedback for the second session"
connects=$(grep -c 'status=connected' $data/daemon.err || true)
[ "$connects" -ge 2 ] || fail "expected the scanner to connect twice (replug), saw $connects"
grep -q 'status=waiting' $data/daemon.err || fail "the unplug was not noticed"
wait $g $b
echo "feedback lines during the scans: green $(cat $data/green); buzzer $(cat $data/buzz)"
[ "$(sed 's/rising=\([0-9]*\).*/\1/' $data/green)" -ge 2 ] || fail "the green feedback lamp did not pulse in each scanner session"
[ "$(sed 's/rising=\([0-9]*\).*/\1/' $data/buzz)" -ge 2 ] || fail "the buzzer did not chirp in each scanner session"

kill -TERM $daemon
wait $daemon || fail "daemon exit status $? after SIGTERM"
grep -q "kioskd stopped" $data/daemon.err || fail "no clean stop"
echo "PASS hid-scanner: 2 scanner sessions, 5 on hand, grabbed, replug picked up, feedback lines pulsed"
