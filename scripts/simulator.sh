#!/usr/bin/env bash
# Start or stop the OneSaas Connect simulator for `make demo`.
#   scripts/simulator.sh start BIN_DIR PORT ORDERS DIR
#   scripts/simulator.sh stop DIR
set -euo pipefail
case "${1:-}" in
start)
    bin=$2 port=$3 orders=$4 dir=$5
    mkdir -p "$dir"
    if [ -f "$dir/sim.pid" ] && kill -0 "$(cat "$dir/sim.pid")" 2>/dev/null; then
        echo "onesaas-sim already running (pid $(cat "$dir/sim.pid"))"
        exit 0
    fi
    rm -f "$dir/sim.port"
    nohup "$bin/onesaas-sim" --port "$port" --port-file "$dir/sim.port" --orders "$orders" >"$dir/sim.log" 2>&1 &
    echo $! >"$dir/sim.pid"
    for _ in $(seq 1 100); do
        [ -s "$dir/sim.port" ] && { echo "onesaas-sim: $orders orders on http://127.0.0.1:$(cat "$dir/sim.port") (pid $(cat "$dir/sim.pid"))"; exit 0; }
        kill -0 "$(cat "$dir/sim.pid")" 2>/dev/null || break
        sleep 0.1
    done
    echo "onesaas-sim did not start; its log:" >&2
    cat "$dir/sim.log" >&2
    exit 1
    ;;
stop)
    dir=$2
    [ -f "$dir/sim.pid" ] || exit 0
    kill "$(cat "$dir/sim.pid")" 2>/dev/null || true
    rm -f "$dir/sim.pid" "$dir/sim.port"
    ;;
*)
    echo "usage: $0 start BIN_DIR PORT ORDERS DIR | stop DIR" >&2
    exit 2
    ;;
esac
