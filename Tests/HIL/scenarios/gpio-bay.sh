# Scenario (runs inside the VM): the real kioskd drives a stack light and reads buttons on a
# gpio-sim chip through libgpiod and the kernel's GPIO character device.
set -eu
KIOSKD=${KIOSKD:-$PWD/.build/debug/kioskd}
HERE=$PWD/Tests/HIL
PY=/usr/bin/python3   # not a pyenv shim: its start-up costs seconds under emulation
. $HERE/gpio-sim.sh
gpio_sim bay1 bay1-io 16
line() { cat $sim/sim_gpio$1/value; }
pull() { echo $2 > $sim/sim_gpio$1/pull; }
for l in 8 9 10 11; do pull $l pull-down; done

data=/tmp/hil-gpio; mkdir -p $data
cat > $data/kioskd.toml <<TOML
[device]
id = "hil-bay"
data_dir = "$data"
[bay]
id = "BAY-1"
[gpio]
chip = "bay1-io"
safe_lamps = ["red"]
buzzer = 4
long_press_ms = 1000
debounce_ms = 30
[gpio.lamps]
red = 0
amber = 1
green = 2
blue = 3
[gpio.buttons]
advance = 8
help = 9
parts = 10
acknowledge = 11
[web]
listen = "127.0.0.1:8080"
[[scanners]]
kind = "fifo"
TOML
K() { $KIOSKD "$@" --config $data/kioskd.toml; }
state() { K jobs show WO-1 | head -1 | cut -f2; }
fail() { echo "FAIL: $*"; echo "--- lamps r a g b buzzer: $(line 0) $(line 1) $(line 2) $(line 3) $(line 4)"; echo "--- daemon stderr"; tail -40 $data/daemon.err; exit 1; }
wait_for() { # wait_for DESCRIPTION COMMAND...: up to 30 s of wall time
  what=$1; shift
  deadline=$(( $(date +%s) + 30 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do if "$@"; then return 0; fi; sleep 0.1; done
  fail "timed out waiting for $what"
}
lamps_are() { [ "$(line 0)$(line 1)$(line 2)$(line 3)" = "$1" ]; }
start() { $KIOSKD run --config $data/kioskd.toml > $data/daemon.out 2>> $data/daemon.err & daemon=$!; }

printf 'part_number,name_zh,name_en,bin\nP1,刹车片,Brake pad,A-01\n' > $data/parts.csv
K parts import $data/parts.csv > /dev/null
K jobs open --ticket WO-1 --plate 粤B12345 --vin LSVAU2180N2183294 --phone 13800138000 --bay BAY-1 > /dev/null
# /healthz names faults only to signed-in staff: the scenario signs in once (the session is
# kept in the store across the restarts below).
printf '1122\n' | K staff add MG 经理 --with-pin --role manager > /dev/null
signed_in() { curl -s -o /dev/null -w '%{http_code}' -c $data/cookies -H 'content-type: application/json' \
  -d '{"badge":"MG","pin":"1122"}' 127.0.0.1:8080/api/v1/session | grep -q 201; }

start
wait_for "blue steady (checked in)" lamps_are 0001
echo "ok: checked in shows blue steady"
# The buttons are a service of their own: press only once their lines are held.
wait_for "signed in for /healthz" signed_in
wait_for "buttons requested" sh -c "curl -s -b $data/cookies 127.0.0.1:8080/healthz | grep -q 'buttons acknowledge, advance, help, parts on bay1-io'"

# A press on the advance button: diagnosing (amber).
pull 8 pull-up; sleep 0.2; pull 8 pull-down
wait_for "diagnosing" sh -c "[ \$($KIOSKD jobs show WO-1 --config $data/kioskd.toml | head -1 | cut -f2) = diagnosing ]"
wait_for "amber steady" lamps_are 0100
echo "ok: a button press advanced the job to diagnosing, amber steady"

# A bouncing press counts once: diagnosing -> repairing, not further.
pull 8 pull-up; pull 8 pull-down; pull 8 pull-up; pull 8 pull-down; pull 8 pull-up; sleep 0.3; pull 8 pull-down
wait_for "repairing" sh -c "[ \$($KIOSKD jobs show WO-1 --config $data/kioskd.toml | head -1 | cut -f2) = repairing ]"
sleep 1.5
[ "$(state)" = repairing ] || fail "a bouncing press advanced more than once: $(state)"
wait_for "green steady" lamps_are 0010
echo "ok: a bouncing press counted once; repairing shows green steady"

# A long press calls for help: the buzzer sounds, red blinks fast, the job does not move.
sample() { # sample LINE SECONDS NAME: in the background, returns once sampling has begun
  rm -f $data/$3.ready; $PY $HERE/sample_line.py $sim/sim_gpio$1/value $2 $data/$3.ready > $data/$3 &
  samplers="${samplers:-} $!"
  wait_for "sampler $3" test -f $data/$3.ready
}
samplers_done() { wait $samplers; samplers=""; }
sample 4 6 buzz; sample 0 6 red   # long windows: a second sampler takes seconds to start under emulation
pull 8 pull-up; sleep 1.6; pull 8 pull-down
samplers_done
buzz=$(cat $data/buzz); red=$(cat $data/red)
echo "long press: buzzer $buzz; red $red"
case "$buzz" in rising=0*) fail "the buzzer did not sound on a long press";; esac
[ "$(echo "$red" | sed 's/rising=\([0-9]*\).*/\1/')" -ge 4 ] || fail "red is not blinking fast after the help call: $red"
[ "$(state)" = repairing ] || fail "a long press moved the job: $(state)"
grep -q "calls for help" $data/daemon.err || fail "no help call logged"
echo "ok: a long press called for help (buzzer, red fast blink), the job stayed"

# Acknowledge stops the help flash; the parts button calls for parts at the counter.
pull 11 pull-up; sleep 0.2; pull 11 pull-down
wait_for "help flash acknowledged" lamps_are 0010
pull 10 pull-up; sleep 0.2; pull 10 pull-down
wait_for "parts request at the counter" sh -c "$KIOSKD jobs parts-requests --config $data/kioskd.toml | grep -q '^WO-1	BAY-1'"
echo "ok: acknowledge silenced the help call; the parts button raised a parts request"

# Each state's pattern, measured over time.
K jobs move WO-1 waiting-parts --part P1:1 > /dev/null
sleep 0.6
sample 0 3 red; sample 2 3 green; samplers_done
red=$(cat $data/red); green=$(cat $data/green)
echo "waiting parts: red $red; green $green"
r=$(echo "$red" | sed 's/rising=\([0-9]*\).*/\1/')
[ "$r" -ge 2 ] && [ "$r" -le 4 ] || fail "waiting parts should blink red slowly (1 Hz): $red"
case "$green" in *duty=0.00*) ;; *) fail "green should be off in waiting parts: $green";; esac
K jobs move WO-1 repairing > /dev/null
K jobs move WO-1 quality-check > /dev/null
sleep 0.6
sample 2 3 green; samplers_done; green=$(cat $data/green)
echo "quality check: green $green"
g=$(echo "$green" | sed 's/rising=\([0-9]*\).*/\1/')
[ "$g" -ge 2 ] && [ "$g" -le 4 ] || fail "quality check should blink green slowly: $green"
K jobs move WO-1 repairing --reason 质检不合格 > /dev/null
wait_for "green steady again" lamps_are 0010
echo "ok: waiting parts blinks red at 1 Hz, quality check green at 1 Hz, back to green steady"

# Safe state on SIGTERM: red on, the rest off.
# gpio-sim shows a driven value only while the line is held, so watch red (off while
# repairing) as the daemon stops: the safe state lights it before the lines are released.
sample 0 4 safe
kill -TERM $daemon; wait $daemon || fail "daemon exit status $? after SIGTERM"
samplers_done
echo "red during shutdown: $(cat $data/safe)"
case "$(cat $data/safe)" in rising=0*) fail "red never lit on the way out (safe state)";; esac
grep -q "stack light in safe state" $data/daemon.err || fail "no safe state logged"
echo "ok: SIGTERM put the stack light in its safe state (red on, the rest off)"

# kill -9, restart: the lamps come back to the job's state (repairing: green).
start
wait_for "green after restart" lamps_are 0010
kill -KILL $daemon; wait $daemon 2>/dev/null || true
start
wait_for "green after kill -9 and restart" lamps_are 0010
echo "ok: after kill -9 and restart the lamps show the job's state"
kill -TERM $daemon; wait $daemon || true

# A line held by another program: kioskd keeps scanning, names the fault, and takes the
# line once it is free.
gpioset --mode=signal bay1-io 2=0 &
holder=$!
sleep 0.5
start
wait_for "busy fault logged" grep -q 'is held by' $data/daemon.err
wait_for "busy fault in /healthz" sh -c "curl -s -b $data/cookies 127.0.0.1:8080/healthz | grep -q 'held by'"
echo "KD:CMD:RECEIVE" > $data/scan.fifo; echo "KD:BIN:A-01" > $data/scan.fifo; echo "P1" > $data/scan.fifo
wait_for "scan committed while GPIO is faulty" sh -c "$KIOSKD stock --config $data/kioskd.toml | grep -q 'P1	A-01	1'"
kill $holder; wait $holder 2>/dev/null || true
wait_for "green once the line is free" lamps_are 0010
kill -TERM $daemon; wait $daemon || true
echo "ok: a busy line is a named fault, scanning goes on, the line is taken when free"
grep 'is held by' $data/daemon.err | head -1

# No such chip: kioskd still scans and says which chip is missing.
sed -i 's/chip = "bay1-io"/chip = "no-such-chip"/' $data/kioskd.toml
start
wait_for "missing chip logged" grep -q 'GPIO chip no-such-chip not found' $data/daemon.err
wait_for "missing chip in /healthz" sh -c "curl -s -b $data/cookies 127.0.0.1:8080/healthz | grep -q 'no-such-chip not found'"
echo "P1" > $data/scan.fifo
wait_for "scan committed without a chip" sh -c "$KIOSKD stock --config $data/kioskd.toml | grep -q 'P1	A-01	2'"
kill -TERM $daemon; wait $daemon || true
echo "ok: no chip: kioskd keeps scanning and names the missing chip"
echo "PASS gpio-bay"
