# Runs inside the VM that Tests/Package/run boots with systemd (through Tests/Package/vm-systemd),
# after the boot: the kioskd package's old version is installed, with a store (10 on hand) and
# an edited config; /root/kioskd_new.deb is the upgrade. Tests/Package/run prepends v_new and
# config_md5. Every wait is bounded and says what it waited for.
set -u
fail() {
  echo "FAIL: $*"
  systemctl --no-pager status kioskd 2>&1 | head -20
  journalctl --no-pager -b -u kioskd 2>&1 | tail -40
  exit 1
}
ok() { echo "ok: $*"; }
# wait_for SECONDS WHAT COMMAND...: COMMAND until it succeeds, at most SECONDS.
wait_for() {
  local seconds=$1 what=$2 start; shift 2
  start=$(date +%s)
  until "$@" > /dev/null 2>&1; do
    [ $(( $(date +%s) - start )) -lt "$seconds" ] || fail "waited ${seconds} s for: $what"
    sleep 0.5
  done
  ok "$what ($(( $(date +%s) - start )) s)"
}
healthz() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:8080/healthz)" = 200 ]; }
on_hand() { runuser -u kioskd -- kioskd stock 2> /dev/null | grep -qP "^15400-RTA-003\tA-01\t$1\$"; }
ready_lines() { journalctl --no-pager -b -u kioskd -o cat | grep -c 'kioskd ready'; }

echo "boot: $(systemd-analyze 2>/dev/null | head -1)"
[ "$(systemctl is-enabled kioskd)" = enabled ] || fail "kioskd.service is not enabled"
ok "kioskd.service is enabled (by the package's postinst, in the chroot)"
wait_for 90 "systemd started kioskd (systemctl is-active kioskd)" systemctl is-active --quiet kioskd
wait_for 60 "/healthz answers 200" healthz
wait_for 30 "the journal says \"kioskd ready\"" sh -c '[ "$(journalctl --no-pager -b -u kioskd -o cat | grep -c "kioskd ready")" -ge 1 ]'
pid=$(systemctl show -p MainPID --value kioskd)
[ "$(stat -c %U "/proc/$pid")" = kioskd ] || fail "the daemon (pid $pid) does not run as user kioskd"
ok "the daemon (pid $pid) runs as user kioskd"
grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" || fail "the daemon runs without NoNewPrivileges"
grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status" || fail "the daemon runs without its system-call filter"
ok "the unit's sandbox is on (NoNewPrivs, seccomp filter)"
echo "systemd-analyze security: $(systemd-analyze security kioskd --no-pager 2>/dev/null | tail -1)"
on_hand 10 || fail "the store made in the chroot does not show 10 on hand"
ok "the store made in the chroot: 10 on hand"

# A scan into the running daemon, through the FIFO of its embedded-default scanner.
wait_for 30 "the daemon's FIFO /var/lib/kioskd/scan.fifo" test -p /var/lib/kioskd/scan.fifo
timeout 10 sh -c "printf 'KD:CMD:QTY:5\n6901234567892\n' > /var/lib/kioskd/scan.fifo" || fail "nobody reads the FIFO (10 s)"
wait_for 30 "the daemon received 5 more (15 on hand)" on_hand 15
runuser -u kioskd -- kioskd movements | grep -P '\treceive\t15400-RTA-003\t5\t' | grep -q parts-desk \
  || fail "the daemon's receipt was not made by the edited config's default_actor (parts-desk)"
ok "the daemon used the edited config (actor parts-desk)"

# The upgrade, under a running systemd.
echo "upgrade: dpkg -i /root/kioskd_new.deb"
dpkg -i /root/kioskd_new.deb < /dev/null || fail "dpkg -i kioskd_new.deb"
[ "$(dpkg-query -W -f='${Version}' kioskd)" = "$v_new" ] || fail "kioskd is not at $v_new after the upgrade"
ok "kioskd $v_new installed"
wait_for 60 "the service restarted on the new binary (a new main pid)" \
  sh -c "[ \"\$(systemctl show -p MainPID --value kioskd)\" != 0 ] && [ \"\$(systemctl show -p MainPID --value kioskd)\" != $pid ] && systemctl is-active --quiet kioskd"
wait_for 60 "/healthz answers 200 after the upgrade" healthz
wait_for 30 "the journal says \"kioskd ready\" a second time" sh -c '[ "$(journalctl --no-pager -b -u kioskd -o cat | grep -c "kioskd ready")" -ge 2 ]'
[ "$(md5sum < /etc/kioskd/kioskd.toml)" = "$config_md5" ] || fail "the edited config changed in the upgrade"
ok "the edited config is untouched"
ls /etc/kioskd | grep -q dpkg && fail "dpkg left $(ls /etc/kioskd | grep dpkg) beside the config"
on_hand 15 || fail "the store lost the part after the upgrade"
ok "the store is untouched: 15 on hand"
runuser -u kioskd -- kioskd stock check > /dev/null || fail "kioskd stock check after the upgrade"
ok "kioskd stock check: no drift"
restarts=$(systemctl show -p NRestarts --value kioskd)
[ "$restarts" = 0 ] || fail "systemd restarted kioskd $restarts times (a crash or the watchdog)"
ok "no restarts by systemd (NRestarts=0)"
systemctl stop kioskd
[ "$(systemctl show -p Result --value kioskd)" = success ] || fail "kioskd did not stop cleanly: $(systemctl show -p Result --value kioskd)"
ok "systemctl stop kioskd: a clean stop"
echo "VM CHECK PASSED"
