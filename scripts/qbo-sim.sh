#!/usr/bin/env bash
# Start or stop the QuickBooks Online simulator for `make demo` and `make bench`.
#   scripts/qbo-sim.sh start BIN_DIR PORT DIR [qbo-sim options...]
#   scripts/qbo-sim.sh stop DIR
# It writes DIR/qbo.pid, DIR/qbo.port and DIR/qbo.log.
set -euo pipefail
case "${1:-}" in
start)
    bin=$2 port=$3 dir=$4
    shift 4
    mkdir -p "$dir"
    if [ -f "$dir/qbo.pid" ] && kill -0 "$(cat "$dir/qbo.pid")" 2>/dev/null; then
        echo "qbo-sim already running (pid $(cat "$dir/qbo.pid"))"
        exit 0
    fi
    rm -f "$dir/qbo.port"
    nohup "$bin/qbo-sim" --port "$port" --port-file "$dir/qbo.port" "$@" >"$dir/qbo.log" 2>&1 &
    echo $! >"$dir/qbo.pid"
    for _ in $(seq 1 100); do
        [ -s "$dir/qbo.port" ] && { echo "qbo-sim: http://127.0.0.1:$(cat "$dir/qbo.port") (pid $(cat "$dir/qbo.pid"))"; exit 0; }
        kill -0 "$(cat "$dir/qbo.pid")" 2>/dev/null || break
        sleep 0.1
    done
    echo "qbo-sim did not start; its log:" >&2
    cat "$dir/qbo.log" >&2
    exit 1
    ;;
stop)
    dir=$2
    [ -f "$dir/qbo.pid" ] || exit 0
    kill "$(cat "$dir/qbo.pid")" 2>/dev/null || true
    rm -f "$dir/qbo.pid" "$dir/qbo.port"
    ;;
*)
    echo "usage: $0 start BIN_DIR PORT DIR [qbo-sim options...] | stop DIR" >&2
    exit 2
    ;;
esac
