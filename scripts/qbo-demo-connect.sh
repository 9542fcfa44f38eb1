#!/usr/bin/env bash
# Connects the demo's Synclet to the simulated QuickBooks company once, as an operator would
# import a refresh token obtained elsewhere: qbo-sim's control API hands out a grant, and the
# refresh token travels through a file of mode 0600 (never a command line), removed after.
#   scripts/qbo-demo-connect.sh BIN_DIR QBO_SIM_URL DIR
set -euo pipefail
bin=$1 url=$2 dir=$3
if "$bin/synclet" qbo status --json 2>/dev/null | grep -Eq '"connected" *: *true'; then
    echo "already connected to the simulated QuickBooks company"
    exit 0
fi
mkdir -p "$dir"
token_file="$dir/qbo-refresh-token"
trap 'rm -f "$token_file"' EXIT
grant=$(curl -sf -X POST "$url/__control/tokens/grant")
realm=$(printf '%s' "$grant" | sed -E 's/.*"realmId" *: *"([^"]+)".*/\1/')
(umask 077; printf '%s' "$grant" | sed -E 's/.*"refresh_token" *: *"([^"]+)".*/\1/' >"$token_file")
"$bin/synclet" qbo connect --realm-id "$realm" --refresh-token-file "$token_file"
