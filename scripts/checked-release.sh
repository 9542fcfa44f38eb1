#!/usr/bin/env bash
# Succeed only if the binaries in BIN_DIR are the very ones `make release-check` passed.
#
# Usage: scripts/checked-release.sh BIN_DIR        (scripts/install.sh and scripts/make-rpm.sh)
#
# release-check writes BIN_DIR/RELEASE_CHECK: a first line "passed <commit>", then one
# `sha256sum` line for each binary it checked. Any binary rebuilt since (a plain
# `swift build --scratch-path .build-release`, a relink of one stage) no longer matches, and may
# need the build machine's newer glibc or the Swift runtime's shared libraries.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 BIN_DIR" >&2
    exit 2
fi
BIN_DIR=$1
refuse() {
    echo "error: the binaries in $BIN_DIR have not passed make release-check ($1); they may need a newer glibc than the server's. Run: make release && make release-check" >&2
    exit 1
}

record="$BIN_DIR/RELEASE_CHECK"
[ -f "$record" ] || refuse "no RELEASE_CHECK beside them"
[ "$(head -n 1 "$record" | cut -d' ' -f1)" = passed ] || refuse "RELEASE_CHECK does not say passed"
for name in synclet extract transform load; do
    grep -qE "^[0-9a-f]{64}  $name\$" "$record" || refuse "RELEASE_CHECK has no checksum for $name"
done
changed=$(cd "$BIN_DIR" && tail -n +2 RELEASE_CHECK | sha256sum --check --strict 2>/dev/null | sed -n 's/: FAILED.*//p' | paste -sd ' ' - || true)
[ -z "$changed" ] || refuse "rebuilt since the check: $changed"
(cd "$BIN_DIR" && tail -n +2 RELEASE_CHECK | sha256sum --check --strict --quiet >/dev/null 2>&1) || refuse "a checked binary is missing"
