# Shared by the scenarios that break the disk under the store (disk-full, read-only): a
# daemon on a FIFO scanner with its store in DATA, and helpers to scan and read its
# acknowledgements. Source it with NAME and DATA set; it defines K, fail, scan, lines,
# wait_lines and start_daemon (which sets $daemon and opens the FIFO on fd 3).
KIOSKD=${KIOSKD:-$PWD/.build/debug/kioskd}
mkdir -p "$DATA"
cat > "/run/$NAME.toml" <<TOML
[device]
id = "hil-$NAME"
data_dir = "$DATA"
[web]
enabled = false
[[scanners]]
kind = "fifo"
path = "/run/$NAME.fifo"
TOML
K() { $KIOSKD "$@" --config "/run/$NAME.toml"; }
fail() { echo "FAIL: $*"; echo "--- daemon stdout"; tail -20 "/run/$NAME.out"; echo "--- daemon stderr"; tail -20 "/run/$NAME.err"; exit 1; }
printf 'part_number,name_zh,name_en,bin\nP1,刹车片,Brake pad,A-01\n' > /run/parts.csv
K parts import /run/parts.csv > /dev/null
start_daemon() {
  $KIOSKD run --config "/run/$NAME.toml" >> "/run/$NAME.out" 2>> "/run/$NAME.err" & daemon=$!
  for i in $(seq 1 100); do [ -p "/run/$NAME.fifo" ] && break; sleep 0.1; done
  exec 3> "/run/$NAME.fifo"
}
scan() { echo "$1" >&3; }
lines() { grep -c "$1" "/run/$NAME.out" || true; }
wait_lines() { # wait_lines PATTERN N
  for i in $(seq 1 300); do [ "$(lines "$1")" -ge "$2" ] && return 0; sleep 0.1; done
  fail "timed out waiting for $2 lines of $1"
}
