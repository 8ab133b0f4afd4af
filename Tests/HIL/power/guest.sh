# Power-cut rig, inside the VM (see Tests/HIL/power-cut). Usage: guest.sh run|verify DIR BOOT [full|normal]
#   DIR: this rig's folder in the work tree (the host sees it): acknowledgement logs, markers.
# Every boot checks what the previous boots left on the disk: the SQLite file's integrity,
# every acknowledged movement present once, balances without drift, and the stack light
# back to the bay's job state. "run" then scans at speed until the host cuts the power.
set -eu
mode=$1 dir=$2 boot=$3 synchronous=${4:-full}
t0=$(date +%s%N)
phase() { echo "PHASE $1 $(( ($(date +%s%N) - t0) / 1000000 )) ms"; }
KIOSKD=${KIOSKD:-$PWD/.build/debug/kioskd}
modprobe virtio_blk; modprobe ext4
mkdir -p /run/kdata
mount -t ext4 /dev/vda /run/kdata
data=/run/kdata

# The bay's stack light on a gpio-sim chip (a new chip every boot, like a real board's pins).
. $PWD/Tests/HIL/gpio-sim.sh
gpio_sim power power-io 8
lamps() { echo "$(cat $sim/sim_gpio0/value)$(cat $sim/sim_gpio1/value)$(cat $sim/sim_gpio2/value)$(cat $sim/sim_gpio3/value)"; }

cat > /run/kioskd.toml <<TOML
[device]
id = "power-counter"
data_dir = "$data"
[web]
enabled = false
[bay]
id = "BAY-1"
[gpio]
chip = "power-io"
[gpio.lamps]
red = 0
amber = 1
green = 2
blue = 3
[[scanners]]
kind = "fifo"
path = "/run/scan.fifo"
TOML
K() { $KIOSKD "$@" --config /run/kioskd.toml; }

phase mounted
if [ ! -f $data/kioskd.sqlite ]; then
  printf 'part_number,name_zh,name_en,bin\nP1,刹车片,Brake pad,A-01\n' > /run/parts.csv
  K parts import /run/parts.csv > /dev/null
  K jobs open --ticket WO-1 --plate 粤B12345 --vin LSVAU2180N2183294 --phone 13800138000 --bay BAY-1 > /dev/null
  K jobs move WO-1 diagnosing > /dev/null
  K jobs move WO-1 repairing > /dev/null
  sync
  echo "SETUP boot=$boot: part P1 in bin A-01, job WO-1 repairing at BAY-1"
fi

phase setup
# What the disk holds after the previous cut.
integrity=$(sqlite3 $data/kioskd.sqlite "PRAGMA integrity_check" 2>&1 | tr '\n' ' ' | sed 's/ $//')
cat $dir/acks-*.log 2>/dev/null | grep 'movement=[0-9]' | grep -o 'scan=[0-9A-F-]\{36\}' | cut -d= -f2 | tr -d - | sort -u > /run/acked
sqlite3 $data/kioskd.sqlite "SELECT hex(key) FROM stock_movement WHERE kind = 'receive'" | sort > /run/found
acked=$(wc -l < /run/acked); found=$(wc -l < /run/found)
lost=$(comm -23 /run/acked /run/found | wc -l)
twice=$(uniq -d /run/found | wc -l)
unacked=$(comm -13 /run/acked /run/found | wc -l)
if K stock check > /run/check 2>&1; then drift=0; else drift=$(grep -c '^drift:' /run/check || true); fi
on_hand=$(sqlite3 $data/kioskd.sqlite "SELECT sum(quantity) FROM stock_balance WHERE partNumber = 'P1'")

phase checked
unsafe=0; [ "$synchronous" = normal ] && unsafe=1
KIOSKD_UNSAFE_SYNCHRONOUS_NORMAL=$unsafe $KIOSKD run --config /run/kioskd.toml > /dev/null 2> $dir/acks-$boot.log &
daemon=$!
lamp_state=timeout
for i in $(seq 1 300); do [ "$(lamps)" = 0010 ] && { lamp_state=green; break; }; sleep 0.1; done
echo "VERIFY boot=$boot integrity=$integrity acked=$acked found=$found lost=$lost twice=$twice committed_not_acked=$unacked drift=$drift on_hand=${on_hand:-0} lamps=$lamp_state"
phase lamps
comm -23 /run/acked /run/found | head -5 | sed 's/^/LOST /'

if [ "$mode" = verify ]; then
  kill -TERM $daemon; wait $daemon || true
  exit 0
fi
for i in $(seq 1 100); do [ -p /run/scan.fifo ] && break; sleep 0.1; done
exec 3> /run/scan.fifo
echo KD:CMD:RECEIVE >&3; echo KD:BIN:A-01 >&3
touch $dir/scanning
echo "SCANNING boot=$boot"
while :; do echo P1 >&3; sleep 0.02; done
