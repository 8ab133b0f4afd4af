# Scenario (runs inside the VM): the disk under kioskd's store fills up while scanning. Scans
# that cannot be saved are rejected with a clear message (never acknowledged), the file stays
# sound, and once space is freed scanning goes on; every acknowledged movement is there once.
set -eu
full=/run/full; mkdir -p $full
mount -t tmpfs -o size=3M tmpfs $full
NAME=full DATA=$full/data
. Tests/HIL/store-fault.sh
data=$DATA
start_daemon
scan KD:CMD:RECEIVE; scan KD:BIN:A-01; scan P1; scan P1
wait_lines "OK ✓ 入库" 2
echo "ok: scanning with space: $(lines 'OK ✓ 入库') received"

# Fill the disk, then scan until a scan is refused.
dd if=/dev/zero of=$full/filler bs=4k 2>/dev/null || true
echo "disk full: $(df -k $full | awk 'NR==2{print $4}') KiB free"
sent=0
while [ "$(lines 'REJECTED 扫描未保存')" -lt 1 ] && [ $sent -lt 200 ]; do scan P1; sent=$((sent + 1)); sleep 0.05; done
wait_lines "REJECTED 扫描未保存" 1
grep -m1 "REJECTED 扫描未保存" /run/full.out
grep -q "database or disk is full" /run/full.out || fail "the refusal does not say the disk is full"
integrity=$(sqlite3 $data/kioskd.sqlite "PRAGMA integrity_check")
[ "$integrity" = ok ] || fail "integrity_check after the disk filled: $integrity"
echo "ok: a full disk refuses scans with a clear message (after $sent more scans); integrity ok"

# Free the space: scanning goes on without a restart.
rm -f $full/filler
before=$(lines "OK ✓ 入库")
scan P1; scan P1; scan P1
wait_lines "OK ✓ 入库" $((before + 3))
kill -TERM $daemon; wait $daemon || fail "daemon exit status $? after SIGTERM"
acked=$(lines "OK ✓ 入库")
found=$(sqlite3 $data/kioskd.sqlite "SELECT COUNT(*) FROM stock_movement WHERE kind = 'receive'")
[ "$acked" = "$found" ] || fail "acknowledged $acked receipts, the store holds $found"
K stock check > /run/check || fail "balances drifted: $(cat /run/check)"
echo "ok: space freed, scanning resumed; $acked receipts acknowledged, $found in the store, no drift"
echo "PASS disk-full"
