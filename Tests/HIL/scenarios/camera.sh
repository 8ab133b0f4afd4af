# Scenario (runs inside the VM): a camera scan. vivid loops frames written to its video output
# back to its capture device (S-Video, NTSC, 720x480 YUYV); kioskd's camera source captures
# them with V4L2 mmap streaming and reads them (zbar, then the later passes); the part shown is
# received once while it stays in view, and again once it has been taken away and shown again.
# Then a degraded frame (a short Code 128 label turned 35°) that single-pass zbar misses, as
# `kioskd scan-image --single-pass` shows on the same picture, is read by the camera, once,
# although each of its frames takes the emulated CPU about as long as the window to read.
set -eu
KIOSKD=${KIOSKD:-$PWD/.build/debug/kioskd}
HERE=$PWD/Tests/HIL
PY=/usr/bin/python3
modprobe vivid n_devs=1 vid_cap_nr=0 vid_out_nr=1 2>/dev/null || modprobe vivid n_devs=1 vid_cap_nr=0 vid_out_nr=1
for i in $(seq 1 50); do [ -e /dev/video1 ] && break; sleep 0.1; done
data=/tmp/hil-camera; mkdir -p $data
fail() { echo "FAIL: $*"; echo "--- daemon stderr"; tail -30 $data/daemon.err; exit 1; }
wait_for() { # wait_for DESCRIPTION COMMAND...: up to 40 s of wall time
  what=$1; shift
  deadline=$(( $(date +%s) + 40 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do if "$@"; then return 0; fi; sleep 0.2; done
  fail "timed out waiting for $what"
}
fmt=width=720,height=480,pixelformat=YUYV,field=interlaced
v4l2-ctl -d /dev/video0 -i 2 -s ntsc -c loop_video=1 --set-fmt-video=$fmt > /dev/null
v4l2-ctl -d /dev/video1 -o 0 -s ntsc --set-fmt-video-out=$fmt > /dev/null
$PY $HERE/camera_frame.py P1 $data/part.yuyv
$PY $HERE/camera_frame.py - $data/blank.yuyv --blank
$PY $HERE/camera_frame.py P1 $data/turned.yuyv --degraded --pgm $data/turned.pgm
show() { # show FRAME: loop it on the video output until `hide`
  v4l2-ctl -d /dev/video1 --stream-out-mmap --stream-from=$data/$1 --stream-loop > /dev/null 2>&1 & shown=$!
}
hide() { kill $shown; wait $shown 2>/dev/null || true; }

cat > $data/kioskd.toml <<TOML
[device]
id = "hil-camera"
data_dir = "$data"
[[scanners]]
kind = "camera"
path = "/dev/video0"
input = 2
standard = "ntsc"
width = 720
height = 480
symbologies = ["qr", "code128"]
# The emulated CPU (no KVM) is many times slower than a board: give a frame time enough to
# reach the pass that turns the label.
frame_budget_ms = 8000
[[scanners]]
kind = "fifo"
TOML
printf 'part_number,name_zh,name_en,bin\nP1,刹车片,Brake pad,A-01\n' > $data/parts.csv
$KIOSKD parts import --config $data/kioskd.toml $data/parts.csv > /dev/null
on_hand() { $KIOSKD stock --config $data/kioskd.toml --part P1 | awk -F'\t' '$1=="P1"{print $3}'; }

show blank.yuyv
$KIOSKD run --config $data/kioskd.toml > $data/daemon.out 2> $data/daemon.err & daemon=$!
wait_for "camera connected" grep -q 'status=connected /dev/video0 720×480 YUYV' $data/daemon.err
wait_for "FIFO open" test -p $data/scan.fifo
echo "KD:CMD:RECEIVE" > $data/scan.fifo; echo "KD:BIN:A-01" > $data/scan.fifo
echo "ok: camera streaming ($(grep -o 'connected /dev/video0[^[]*' $data/daemon.err | head -1))"

hide; show part.yuyv
wait_for "the part shown to the camera received" sh -c "[ \"\$($KIOSKD stock --config $data/kioskd.toml --part P1 | awk -F'\t' '\$1==\"P1\"{print \$3}')\" = 1 ]"
sleep 4   # still in view: frame after frame shows the same code
[ "$(on_hand)" = 1 ] || fail "a code kept in view counted more than once: $(on_hand) on hand"
echo "ok: the part in view for seconds was received once"

hide; show blank.yuyv; sleep 3
hide; show part.yuyv
wait_for "the part shown again received again" sh -c "[ \"\$($KIOSKD stock --config $data/kioskd.toml --part P1 | awk -F'\t' '\$1==\"P1\"{print \$3}')\" = 2 ]"
hide; show blank.yuyv; sleep 3

# The turned label: single-pass zbar sees nothing in this very picture; the camera reads it.
if $KIOSKD scan-image --single-pass $data/turned.pgm > $data/single.out 2>&1; then
  fail "single-pass zbar read the degraded frame, so it shows nothing: $(cat $data/single.out)"
fi
echo "ok: single-pass zbar reads nothing in the degraded frame ($(tail -1 $data/single.out))"
$KIOSKD scan-image --explain --budget 20000 $data/turned.pgm > $data/pipeline.out 2>&1 || fail "the pipeline does not read the degraded frame either: $(cat $data/pipeline.out)"
echo "ok: kioskd's passes read it: $(tr '\n' ' ' < $data/pipeline.out)"
hide; show turned.yuyv
deadline=$(( $(date +%s) + 60 ))
until [ "$(on_hand)" -ge 3 ] 2>/dev/null; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    # What did the camera see? Stop the daemon, take one frame as it does, and read it.
    kill -TERM $daemon; wait $daemon || true
    v4l2-ctl -d /dev/video0 --stream-mmap --stream-count=1 --stream-to=$data/captured.yuyv > /dev/null 2>&1 || true
    $PY -c "import sys; f=open(sys.argv[1],'rb').read()[:720*480*2]; open(sys.argv[2],'wb').write(b'P5\n720 480\n255\n'+f[0::2])" $data/captured.yuyv $PWD/.build/hil-camera-captured.pgm || true
    fail "timed out (60 s) waiting for the camera to read the turned label; the frame it sees is in .build/hil-camera-captured.pgm: $($KIOSKD scan-image --explain --budget 20000 $PWD/.build/hil-camera-captured.pgm 2>&1 | tr '\n' ' ')"
  fi
  sleep 0.2
done
echo "ok: the camera read the turned label"
# Each frame of it takes the emulated CPU about as long as the duplicate window to read: still one scan.
sleep 8
[ "$(on_hand)" = 3 ] || fail "the turned label, read slowly frame after frame, counted more than once: $(on_hand) on hand"
echo "ok: the turned label held in view for 8 s counted once (3 on hand)"
hide
kill -TERM $daemon; wait $daemon || fail "daemon exit status $? after SIGTERM"
movements=$($KIOSKD movements --config $data/kioskd.toml | grep -c 'receive' || true)
echo "movements: $movements receive"
echo "PASS camera: shown, held in view (counted once), taken away and shown again (counted again); a turned label single-pass zbar misses read"
