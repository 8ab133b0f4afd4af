# Scenario (runs inside the VM): the file system under kioskd's store turns read-only while
# scanning, as ext4 does on an SD card error (errors=remount-ro; triggered here through ext4's
# own trigger_fs_error). Scans that cannot be saved are rejected with a clear message, never
# acknowledged; after the file system is checked and mounted again, kioskd starts on a sound
# store holding every acknowledged movement once, and scanning goes on.
set -eu
modprobe loop; modprobe ext4
mkdir -p /run/img /run/ro
mount -t tmpfs -o size=64M tmpfs /run/img
/sbin/mkfs.ext4 -q -F /run/img/store.ext4 16M
dev=$(losetup -f --show /run/img/store.ext4)
mount -t ext4 -o errors=remount-ro "$dev" /run/ro
NAME=ro DATA=/run/ro/data
. Tests/HIL/store-fault.sh
data=$DATA
start_daemon
scan KD:CMD:RECEIVE; scan KD:BIN:A-01; scan P1; scan P1; scan P1
wait_lines "OK ✓ 入库" 3
echo "ok: scanning on a writable disk: $(lines 'OK ✓ 入库') received"

name=$(basename "$dev")
echo 1 > /sys/fs/ext4/$name/trigger_fs_error
# (6.1 keeps "rw" in /proc/mounts after an emergency read-only: a write tells.)
! touch /run/ro/probe 2> /run/touch.err || fail "the file system did not turn read-only"
echo "file system now read-only: $(cat /run/touch.err); kernel: $(dmesg | grep -m1 'Remounting filesystem read-only')"
sent=0
while [ "$(lines 'REJECTED 扫描未保存')" -lt 1 ] && [ $sent -lt 100 ]; do scan P1; sent=$((sent + 1)); sleep 0.05; done
wait_lines "REJECTED 扫描未保存" 1
grep -m1 "REJECTED 扫描未保存" /run/ro.out
grep -m1 "REJECTED 扫描未保存" /run/ro.out | grep -qi "read-only\|readonly\|disk I/O error" || fail "the refusal does not say why"
echo "ok: a read-only file system refuses scans with the reason (after $sent scans)"

kill -TERM $daemon; wait $daemon || echo "daemon exit status $? on a read-only store"
exec 3>&-
umount /run/ro
/sbin/e2fsck -fy "$dev" > /run/fsck.out 2>&1 || [ $? -le 1 ] || fail "e2fsck: $(cat /run/fsck.out)"
mount -t ext4 -o errors=remount-ro "$dev" /run/ro
integrity=$(sqlite3 $data/kioskd.sqlite "PRAGMA integrity_check")
[ "$integrity" = ok ] || fail "integrity_check after the read-only fault: $integrity"
start_daemon
before=$(lines "OK ✓ 入库")
scan KD:CMD:RECEIVE; scan KD:BIN:A-01; scan P1; scan P1
wait_lines "OK ✓ 入库" $((before + 2))
kill -TERM $daemon; wait $daemon || fail "daemon exit status $? after SIGTERM"
acked=$(lines "OK ✓ 入库")
found=$(sqlite3 $data/kioskd.sqlite "SELECT COUNT(*) FROM stock_movement WHERE kind = 'receive'")
[ "$acked" = "$found" ] || fail "acknowledged $acked receipts, the store holds $found"
K stock check > /run/check || fail "balances drifted: $(cat /run/check)"
echo "ok: after e2fsck and a new mount, integrity ok; $acked receipts acknowledged, $found in the store, no drift"
umount /run/ro; losetup -d "$dev"
echo "PASS read-only"
