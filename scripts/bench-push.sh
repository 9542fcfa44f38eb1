#!/usr/bin/env bash
# make bench-push: times `synclet qbo push` of a simulated store into qbo-sim under QuickBooks' own
# limits (500 requests and 40 batch requests a minute, 10 in flight), beside the floor those limits
# set: the documents in batches of 30 at 40 batches a minute.
#
#   ORDERS     orders in the simulated store (default 1200: about 1,000 become documents)
#   MAPPING    default (a customer per e-mail address, an item per SKU) or one (one customer, one item)
#   BIN        the executables (default: the release build, built first)
#   BENCH_MARIADB_PORT (3427), BENCH_SIM_PORT (8961), BENCH_QBO_PORT (8962), BENCH_DIR (.local/bench-push)
# The numbers land on standard output and in BENCH_DIR/push-<ORDERS>-<MAPPING>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export MARIADB_PORT=${BENCH_MARIADB_PORT:-3427}
DB_DIR=${BENCH_DB_DIR:-.local/mariadb-bench}
DIR=${BENCH_DIR:-.local/bench-push}
ORDERS=${ORDERS:-1200}
MAPPING=${MAPPING:-default}
SIM_PORT=${BENCH_SIM_PORT:-8961}
QBO_PORT=${BENCH_QBO_PORT:-8962}
if [ -z "${BIN:-}" ]; then
    echo "Building release…"
    swift build -c release --product synclet >/dev/null
    swift build -c release --product onesaas-sim >/dev/null
    swift build -c release --product qbo-sim >/dev/null
    BIN=$(swift build -c release --show-bin-path)
fi

scripts/mariadb-private.sh start "$DB_DIR" >/dev/null
rm -rf "$DIR"
mkdir -p "$DIR"
trap 'scripts/simulator.sh stop "$DIR"; scripts/qbo-sim.sh stop "$DIR"; scripts/mariadb-private.sh stop "$DB_DIR" >/dev/null' EXIT
eval "$(scripts/mariadb-private.sh env "$DB_DIR")"
export DB_NAME=synclet_bench_push
MYSQL_PWD=$DB_PASSWORD mariadb --no-defaults -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" \
    -e "DROP DATABASE IF EXISTS $DB_NAME; CREATE DATABASE $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
scripts/simulator.sh start "$BIN" "$SIM_PORT" "$ORDERS" "$DIR" >/dev/null
scripts/qbo-sim.sh start "$BIN" "$QBO_PORT" "$DIR" >/dev/null

cp pipeline.yaml "$DIR/pipeline.yaml"
if [ "$MAPPING" = one ]; then
    sed -i -E 's/^  customers: per-email(.*)/  customers: one\1/; s/^  items: by-sku(.*)/  items: one\1/' "$DIR/pipeline.yaml"
fi
export SYNCLET_PIPELINE=$DIR/pipeline.yaml SYNCLET_STAGING_DIR=$DIR/staging NO_COLOR=1 \
    MAGENTO_BASE_URL=http://127.0.0.1:$SIM_PORT/onesaas_connect/index/index MAGENTO_ACCESS_KEY=sim-access-key \
    INITIAL_SYNC_DATE="2025-01-01 00:00:00"
"$BIN/synclet" init >/dev/null
"$BIN/synclet" sync -q                      # no QBO_ settings yet: the push stage is skipped
export QBO_CLIENT_ID=sim-client-id QBO_CLIENT_SECRET=sim-client-secret QBO_ENVIRONMENT=sandbox \
    QBO_API_URL=http://127.0.0.1:$QBO_PORT QBO_TOKEN_URL=http://127.0.0.1:$QBO_PORT/oauth2/v1/tokens/bearer
scripts/qbo-demo-connect.sh "$BIN" "http://127.0.0.1:$QBO_PORT" "$DIR" >/dev/null
"$BIN/synclet" qbo check --create-missing -q >/dev/null
# The check's own batches count against the same minute at qbo-sim: start the push on a fresh one.
while curl -sf "http://127.0.0.1:$QBO_PORT/__control/stats" | grep -Eq '"batch_requests_last_minute":[1-9]'; do sleep 1; done
before=$(curl -sf "http://127.0.0.1:$QBO_PORT/__control/stats")

start=$(date +%s.%N)
"$BIN/synclet" qbo push -q | tee "$DIR/push.out"
end=$(date +%s.%N)
after=$(curl -sf "http://127.0.0.1:$QBO_PORT/__control/stats")
second_start=$(date +%s.%N)
"$BIN/synclet" qbo push -q >"$DIR/second-push.out"
second_end=$(date +%s.%N)

counter() { printf '%s' "$1" | sed -E "s/.*\"$2\":([0-9]+).*/\1/"; }
documents=$(sed -E -n 's/^Pushed to QuickBooks: ([0-9]+) created.*/\1/p' "$DIR/push.out")
batches=$(( $(counter "$after" batch) - $(counter "$before" batch) ))
requests=$(( $(counter "$after" api_request) - $(counter "$before" api_request) ))
throttled=$(( $(counter "$after" throttled) - $(counter "$before" throttled) ))
seconds=$(echo "$end - $start" | bc)
second=$(echo "$second_end - $second_start" | bc)
floor_batches=$(( (documents + 29) / 30 ))
floor=$(echo "scale=1; $floor_batches * 60 / 40" | bc)
# QuickBooks counts 40 batches in any minute: the first 40 go at once, each further 40 a minute later.
window_floor=$(( (floor_batches + 39) / 40 * 60 - 60 ))
report="$DIR/push-$ORDERS-$MAPPING.txt"
{
    echo "push of $ORDERS simulated orders (mapping: $MAPPING) into qbo-sim at QuickBooks' limits"
    printf '  documents created        %6d\n' "$documents"
    printf '  time                     %8.1f s  (%d API requests, %d of them batches; %d throttled by qbo-sim)\n' "$seconds" "$requests" "$batches" "$throttled"
    printf '  floor at the rate        %8.1f s  (%d batches of 30 at 40 batches a minute: %d documents / 30 x 1.5 s)\n' "$floor" "$floor_batches" "$documents"
    printf '  floor of the window      %8d s  (the first 40 batches of a fresh minute go at once, each further 40 a minute later)\n' "$window_floor"
    printf '  second push              %8.1f s  (%s)\n' "$second" "$(head -1 "$DIR/second-push.out")"
} | tee "$report"
