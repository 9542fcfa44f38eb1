#!/usr/bin/env bash
# Benchmark Synclet: build release, start a private MariaDB, run synclet-bench, stop the server.
#
# Usage: scripts/bench.sh [synclet-bench options]      e.g. scripts/bench.sh --orders 100000
#   N              orders in the simulated store, when --orders is not given: one size or several
#                  ("5000 100000" by default: both sizes side by side in one run; the latency and
#                  rate-limit measurements and the full naive loader run at the first size only)
#   BENCH_MARIADB_PORT  port of the private server (default 3427), data in .local/mariadb-bench
#   BENCH_DIR      working directory (default .local/bench): staging, results-<N>.json, bench-<N>.log
# The numbers land on standard output and in BENCH_DIR/results-<N>.json (see BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

# Not MARIADB_PORT: make exports that for the test server, which may be running beside us.
export MARIADB_PORT=${BENCH_MARIADB_PORT:-3427}
DB_DIR=${BENCH_DB_DIR:-.local/mariadb-bench}
BENCH_DIR=${BENCH_DIR:-.local/bench}
N=${N:-5000 100000}
SWIFT=${SWIFT:-swift}

echo "Building release…"
$SWIFT build -c release
BIN=$($SWIFT build -c release --show-bin-path)

scripts/mariadb-private.sh start "$DB_DIR"
trap 'scripts/mariadb-private.sh stop "$DB_DIR"' EXIT
eval "$(scripts/mariadb-private.sh env "$DB_DIR")"

mkdir -p "$BENCH_DIR"
args=("$@")
case " ${args[*]-} " in
  *" --orders "*) "$BIN/synclet-bench" --work-directory "$BENCH_DIR" --bin-directory "$BIN" "${args[@]}" ;;
  *)
    first=1
    for size in $N; do
      extra=()
      [ $first = 1 ] || extra=(--skip-latency --rate-limit 0 --naive-orders 5000)
      "$BIN/synclet-bench" --work-directory "$BENCH_DIR" --bin-directory "$BIN" --orders "$size" \
        ${extra[@]+"${extra[@]}"} ${args[@]+"${args[@]}"}
      first=0
    done ;;
esac
