# Scenario (runs inside the VM): the real kioskd drives a stack light and reads buttons on a
# gpio-sim chip through libgpiod and the kernel's GPIO character device.
set -eu
KIOSKD=${KIOSKD:-$PWD/.build/debug/kioskd}
HERE=$PWD/Tests/HIL
PY=/usr/bin/python3   # not a pyenv shim: its start-up costs seconds under emulation
WATCH=$PWD/.build-hil/linewatch   # built on the host by Tests/HIL/vm from Tests/HIL/linewatch.c
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
# wait_for DESCRIPTION COMMAND...: up to 60 s of wall time (the debug daemon's start under
# emulation on a loaded host took 30 s once; a passing check waits only as long as it takes)
wait_for() {
  what=$1; shift
  deadline=$(( $(date +%s) + 60 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do if "$@"; then return 0; fi; sleep 0.1; done
  fail "timed out (60 s) waiting for $what"
}
lamp_off() { [ "$(line $1)" = 0 ]; }
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
# One recorder logs every change of every output line for the rest of the scenario
# (linewatch.c, every millisecond at real-time priority); a check counts the edges logged
# since its mark, and waits for them with a bound instead of sampling a fixed window that may
# close before the daemon acts. A span the watcher could not look at (logged as a gap, long
# enough to hide a pulse) can only hide edges: a window that measures a rate is measured again
# (seen_window), and a lower bound after an event reports the gap (sighted).
rm -f $data/edges $data/edges.ready
$WATCH $data/edges $data/edges.ready red=$sim/sim_gpio0/value amber=$sim/sim_gpio1/value \
  green=$sim/sim_gpio2/value blue=$sim/sim_gpio3/value buzzer=$sim/sim_gpio4/value &
recorder=$!
trap 'kill $recorder 2>/dev/null || true' EXIT
wait_for "the line recorder" test -f $data/edges.ready
mark() { grep -c '' $data/edges; }                        # lines logged so far
rises() { tail -n +$(( $1 + 1 )) $data/edges | grep -c " $2 1\$" || true; }   # rises of NAME since MARK
blind_since() { tail -n +$(( $1 + 1 )) $data/edges | grep -m1 '^# gap ' || true; }   # the first blind spot since MARK
# sighted MARK WHAT: says whether the watcher was blind since MARK. The checks after an event
# are lower bounds (at_least): a blind spot can only hide edges, so it can make them fail (and
# wait_for then says so) but never pass; a blind spot there is reported, not a failure.
sighted() {
  gap=$(blind_since $1)
  [ -z "$gap" ] || echo "note: the line watcher was blind ($gap) while $2; the lower bounds above held anyway"
}
at_least() { [ "$(rises $1 $2)" -ge $3 ]; }               # at_least MARK NAME COUNT
# A rate window: the 3 s of the log from the watcher's first look after MARK ('# look' lines,
# logged every 100 ms on the log's own clock), so that however late the shell runs (a loaded
# host stretches its sleeps and greps) the window holds exactly 3 s of the lines.
WINDOW_S=3
window_awk() { tail -n +$(( $1 + 1 )) $data/edges | awk -v what="$2" -v name="${3:-}" -v span=$WINDOW_S '
  $1 == "#" && $2 == "look" && t0 == "" { t0 = $3 }
  $1 == "#" && $2 == "look" { last = $3 }
  $1 == "#" && $2 == "gap" && t0 != "" && $4 >= t0 && $3 <= t0 + span && gap == "" { gap = $3 " " $4 }
  $1 != "#" && t0 != "" && $2 == name && $3 == 1 && $1 > t0 && $1 <= t0 + span { n++ }
  END {
    if (what == "seen") exit !(t0 != "" && last >= t0 + span)
    if (what == "gap") print gap
    if (what == "rises") print n + 0
  }'; }
window_seen() { window_awk $1 seen; }                      # the log holds the whole window
window_rises() { window_awk $1 rises $2; }                 # window_rises MARK NAME
# seen_window: a 3 s window of a steady pattern that the watcher saw whole; prints its mark.
# A window with a blind spot (emulation held the watcher up) is measured again, up to three
# times: a blink rate can be measured over any window, unlike an event's one chance.
seen_window() {
  for try in 1 2 3; do
    m=$(mark)
    wait_for "the line watcher to log a whole ${WINDOW_S} s window" window_seen $m >&2
    gap=$(window_awk $m gap)
    [ -z "$gap" ] && { echo "$m"; return 0; }
    echo "a blind spot (# gap $gap) in the window, measuring again" >&2
  done
  return 1
}
m=$(mark)
pull 8 pull-up; sleep 1.6; pull 8 pull-down
wait_for "the buzzer to sound after the long press" at_least $m buzzer 1
wait_for "red to blink fast after the help call" at_least $m red 4
sighted $m "the long press signalled"
echo "long press: buzzer rose $(rises $m buzzer)×, red $(rises $m red)×"
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
# (the 3 s windows below measure a blink rate; they wait for nothing)
wait_for "green off (waiting parts)" lamp_off 2
m=$(seen_window) || fail "no 3 s window seen whole while waiting parts blinked (blind in three, or the watcher stopped logging)"
r=$(window_rises $m red); g=$(window_rises $m green)
echo "waiting parts: red rose ${r}× in 3 s; green ${g}×"
[ "$r" -ge 2 ] && [ "$r" -le 4 ] || fail "waiting parts should blink red slowly (1 Hz): red rose ${r}× in 3 s"
[ "$g" = 0 ] && [ "$(line 2)" = 0 ] || fail "green should be off in waiting parts: it rose ${g}×"
K jobs move WO-1 repairing > /dev/null
K jobs move WO-1 quality-check > /dev/null
sleep 0.6   # the move's own frame settles; the window below measures the blink
m=$(seen_window) || fail "no 3 s window seen whole while quality check blinked (blind in three, or the watcher stopped logging)"
g=$(window_rises $m green)
echo "quality check: green rose ${g}× in 3 s"
[ "$g" -ge 2 ] && [ "$g" -le 4 ] || fail "quality check should blink green slowly: green rose ${g}× in 3 s"
K jobs move WO-1 repairing --reason 质检不合格 > /dev/null
wait_for "green steady again" lamps_are 0010
echo "ok: waiting parts blinks red at 1 Hz, quality check green at 1 Hz, back to green steady"

# Safe state on SIGTERM: red on, the rest off.
# gpio-sim shows a driven value only while the line is held, so watch red (off while
# repairing) as the daemon stops: the safe state lights it before the lines are released.
m=$(mark)
kill -TERM $daemon; wait $daemon || fail "daemon exit status $? after SIGTERM"
wait_for "red lit on the way out (safe state)" at_least $m red 1
echo "red during shutdown: rose $(rises $m red)×"
grep -q "stack light in safe state" $data/daemon.err || fail "no safe state logged"
echo "ok: SIGTERM put the stack light in its safe state (red on, the rest off)"

# kill -9, restart: the lamps come back to the job's state (repairing: green).
start
wait_for "green after restart" lamps_are 0010
kill -KILL $daemon; wait $daemon 2>/dev/null || true
start
wait_for "green after kill -9 and restart" lamps_are 0010
echo "ok: after kill -9 and restart the lamps show the job's state"

# A press the rules refuse is shown as a failure, not a success: with WO-2 ready at the bay,
# advance does not hand the car over (that is the service desk's); the buzzer chirps, the
# job stays, the reason is logged and recorded for the bay page.
K jobs open --ticket WO-2 --plate 粤B54321 --vin LSVAU2181N2183295 --phone 13800138001 --bay BAY-1 > /dev/null
for s in diagnosing repairing quality-check ready; do K jobs move WO-2 $s > /dev/null; done
wait_for "red off before the press" lamp_off 0
m=$(mark)
pull 8 pull-up; sleep 0.2; pull 8 pull-down
wait_for "the buzzer to chirp for the refused press" at_least $m buzzer 1
wait_for "red for the refused press" at_least $m red 1
sighted $m "the refused press signalled"
echo "refused press: buzzer rose $(rises $m buzzer)×, red $(rises $m red)×"
wait_for "the refusal logged" grep -q "handed over at the service desk" $data/daemon.err
[ "$(K jobs show WO-2 | head -1 | cut -f2)" = ready ] || fail "a bay button moved a ready job: $(K jobs show WO-2 | head -1)"
curl -s -b $data/cookies 127.0.0.1:8080/api/v1/bays/BAY-1 | grep -q '"accepted":false' || fail "the bay page's view does not show the refused press"
K jobs move WO-2 delivered > /dev/null
wait_for "green again (WO-1 is the bay's job)" lamps_are 0010
echo "ok: a refused press chirped, changed nothing, and is logged and shown on the bay page"
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
kill -TERM $recorder; wait $recorder 2>/dev/null || true
echo "line watcher: $(grep '^# samples' $data/edges)"
echo "PASS gpio-bay"
