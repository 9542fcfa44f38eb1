#!/usr/bin/env bash
# Install built Synclet executables into a prefix.
#
# Usage: scripts/install.sh [--without-simulator] BIN_DIR PREFIX
#
#   BIN_DIR   the folder `make release` printed on its last line (.build-release/release)
#   PREFIX    e.g. /usr/local (`make install` passes $(DESTDIR)$(PREFIX))
#   --without-simulator   leave out onesaas-sim (the RPM does)
#
# Refuses binaries that `make release-check` has not passed (scripts/checked-release.sh: BIN_DIR/
# RELEASE_CHECK must hold the checksum of each of them): a plain `swift build` would put binaries there that need the build
# machine's newer glibc and the Swift runtime's shared libraries.
#
# Lays out:
#   PREFIX/bin/synclet
#   PREFIX/libexec/synclet/{extract,transform,load,onesaas-sim}   (synclet looks for its stages here)
#   PREFIX/libexec/synclet/notify-failure                         (run by synclet-failure@.service)
#   PREFIX/libexec/synclet/BUILD_COMMIT                           (read by `synclet --version`)
#   PREFIX/etc/synclet/pipeline.yaml                              (found relative to bin/synclet)
#
# An existing PREFIX/etc/synclet/pipeline.yaml is never overwritten: the shipped one is installed
# beside it as pipeline.yaml.new to compare with. Safe to run again.
set -euo pipefail

stages=(extract transform load onesaas-sim)
if [ "${1:-}" = --without-simulator ]; then
    stages=(extract transform load)
    shift
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 [--without-simulator] BIN_DIR PREFIX" >&2
    exit 2
fi
BIN_DIR=$1
PREFIX=$2
SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd -P)

for name in synclet "${stages[@]}"; do
    if [ ! -x "$BIN_DIR/$name" ]; then
        echo "error: $BIN_DIR/$name is missing; build first (make release)" >&2
        exit 1
    fi
done
"$SOURCE_DIR/scripts/checked-release.sh" "$BIN_DIR"

install -d -m 0755 "$PREFIX/bin" "$PREFIX/libexec/synclet" "$PREFIX/etc/synclet"
install -m 0755 "$BIN_DIR/synclet" "$PREFIX/bin/synclet"
for name in "${stages[@]}"; do
    install -m 0755 "$BIN_DIR/$name" "$PREFIX/libexec/synclet/$name"
done
install -m 0755 "$SOURCE_DIR/contrib/alerting/notify-failure" "$PREFIX/libexec/synclet/notify-failure"

# The commit the binaries were built from: `make release` records it beside them.
if [ -s "$BIN_DIR/BUILD_COMMIT" ]; then
    install -m 0644 "$BIN_DIR/BUILD_COMMIT" "$PREFIX/libexec/synclet/BUILD_COMMIT"
else
    echo "note: $BIN_DIR/BUILD_COMMIT is missing (built without make release); synclet --version will say 'unknown commit'" >&2
    rm -f "$PREFIX/libexec/synclet/BUILD_COMMIT"
fi

PIPELINE="$PREFIX/etc/synclet/pipeline.yaml"
if [ -e "$PIPELINE" ]; then
    if cmp -s "$SOURCE_DIR/pipeline.yaml" "$PIPELINE"; then
        rm -f "$PIPELINE.new"
    else
        install -m 0644 "$SOURCE_DIR/pipeline.yaml" "$PIPELINE.new"
        echo "kept your $PIPELINE; the shipped one is $PIPELINE.new"
    fi
else
    install -m 0644 "$SOURCE_DIR/pipeline.yaml" "$PIPELINE"
fi

echo "Installed synclet $(cat "$PREFIX/libexec/synclet/BUILD_COMMIT" 2>/dev/null || echo '(unknown commit)') into $PREFIX:"
echo "  $PREFIX/bin/synclet"
echo "  $PREFIX/libexec/synclet/{$(IFS=,; echo "${stages[*]}"),notify-failure}"
echo "  $PIPELINE"
