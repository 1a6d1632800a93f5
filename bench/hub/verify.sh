#!/usr/bin/env bash
# Times `rex log verify` on a hub whose log holds N signed statements (default 1,000,000).
#
#   bench/hub/verify.sh [N]
#
# 1. Builds `rex` in release.
# 2. Unless target/bench-log-N exists, fills it: the append benchmark's closed loop (64 states
#    proposing agreements over HTTP, group commit, durable) until N statements are logged.
# 3. Serves that hub on loopback (`rex hub serve`), then runs `rex log verify` against it with
#    the hub's keys pinned (`rex hub vkeys`; no state cosigns this log, so no witness is
#    required) under /usr/bin/time: fetch every tile and entry bundle over HTTP, recompute the
#    tree, check every signature and transition by replay. Prints the verifier's wall time and
#    peak memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-1000000}"
data="$PWD/target/bench-log-$n"
cargo build --release -p rex-cli
if [ ! -d "$data" ]; then
  echo "verify.sh: filling $data with $n statements (a few minutes)" >&2
  REX_BENCH_FILL="$n" REX_BENCH_DATA="$data" cargo bench -p rex-hub --bench append
fi
log="$(mktemp)"
trust="$(mktemp)"
target/release/rex hub vkeys --data "$data" >"$trust"
target/release/rex hub serve --data "$data" --listen 127.0.0.1:0 2>"$log" &
hub=$!
trap 'kill $hub 2>/dev/null || true; rm -f "$log" "$trust"' EXIT
url=""
for _ in $(seq 1 600); do
  url="$(grep -o 'http://[0-9.:]*' "$log" | head -n1 || true)"
  [ -n "$url" ] && break
  kill -0 $hub 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
[ -n "$url" ] || { echo "verify.sh: the hub did not start" >&2; exit 1; }
echo "verify.sh: hub serving $url; commit $(git rev-parse --short HEAD), nproc $(nproc)" >&2
/usr/bin/time -f 'verify: %e s wall, %U s user, %S s sys, peak RSS %M KB' \
  target/release/rex log verify --hub "$url" --trust "$trust"
