#!/usr/bin/env bash
# Connects the demo's Synclet to the demo's qbo-sim the way an operator connects to QuickBooks:
# `synclet qbo connect` prints the authorization URL and listens on the loopback redirect URI;
# curl plays the browser (the simulator approves at once and redirects to that URI, where
# synclet catches the code, exchanges it and stores the tokens in qbo_tokens).
#   scripts/qbo-connect-demo.sh BIN_DIR        (QBO_* and DB_* in the environment)
set -euo pipefail
bin=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin/synclet" qbo connect --wait-seconds 60 </dev/null >"$out" &
pid=$!
url=""
for _ in $(seq 1 300); do
    url=$(grep -m1 -o 'http[^ ]*/connect/oauth2?[^ ]*' "$out" || true)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -n "$url" ]; then
    echo "The browser (curl) opens the authorization URL and follows QuickBooks' redirect."
    curl -sS -L -o /dev/null "$url" || true
fi
status=0
wait "$pid" || status=$?
cat "$out"
exit "$status"
