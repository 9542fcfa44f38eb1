#!/usr/bin/env bash
# Generate synclet's man page and shell completions from its argument parser.
#
# Usage: scripts/make-docs.sh BIN_DIR OUT_DIR
#
#   BIN_DIR   holds a built synclet (make release prints it)
#   OUT_DIR   receives man/synclet.1 and completions/{synclet.bash,_synclet,synclet.fish}
#
# The man page comes from swift-argument-parser's own `generate-manual` tool, the one its
# GenerateManual package plugin runs. The plugin itself would first rebuild the whole package
# in release mode without --static-swift-stdlib (a second full build on a small machine), so the
# tool is built alone from the checkout SwiftPM already resolved, into .local/tools, and run on
# the release synclet, exactly as the plugin does. Completions come from
# `synclet --generate-completion-script`. No network is needed.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BIN_DIR OUT_DIR" >&2
    exit 2
fi
BIN_DIR=$1
OUT_DIR=$2
SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd -P)
SWIFT=${SWIFT:-swift}
SCRATCH=${RELEASE_SCRATCH:-$SOURCE_DIR/.build-release}

if [ ! -x "$BIN_DIR/synclet" ]; then
    echo "error: $BIN_DIR/synclet is missing; run make release first" >&2
    exit 1
fi
parser_checkout="$SCRATCH/checkouts/swift-argument-parser"
if [ ! -f "$parser_checkout/Package.swift" ]; then
    echo "error: $parser_checkout is missing; run make release first (it resolves the packages)" >&2
    exit 1
fi

# Build the tool from a copy, so nothing is written into SwiftPM's checkout; rebuilt only when
# the resolved argument parser changes.
tools="$SOURCE_DIR/.local/tools"
version=$(git -C "$parser_checkout" rev-parse HEAD 2>/dev/null || echo unknown)
if [ "$(cat "$tools/argument-parser.version" 2>/dev/null)" != "$version" ]; then
    rm -rf "$tools/swift-argument-parser"
    mkdir -p "$tools"
    cp -R "$parser_checkout" "$tools/swift-argument-parser"
    echo "$version" >"$tools/argument-parser.version"
fi
echo "Building swift-argument-parser's generate-manual tool"
$SWIFT build -c release --package-path "$tools/swift-argument-parser" \
    --scratch-path "$tools/build" --product generate-manual >"$tools/build.log" 2>&1 ||
    { cat "$tools/build.log" >&2; echo "error: building generate-manual failed (log above)" >&2; exit 1; }
generate_manual="$($SWIFT build -c release --package-path "$tools/swift-argument-parser" --scratch-path "$tools/build" --show-bin-path)/generate-manual"

mkdir -p "$OUT_DIR/man" "$OUT_DIR/completions"
# One page for synclet and its subcommands (SEE ALSO and the subcommands' sections inside it).
# Dated by the commit, not the build, so the same commit gives the same page.
date=$(git -C "$SOURCE_DIR" log -1 --format=%cs 2>/dev/null || date -u +%F)
"$generate_manual" "$BIN_DIR/synclet" --section 1 --date "$date" \
    --authors "the Synclet maintainers" --output-directory "$OUT_DIR/man"
test -s "$OUT_DIR/man/synclet.1" || { echo "error: generate-manual wrote no synclet.1" >&2; exit 1; }

"$BIN_DIR/synclet" --generate-completion-script bash >"$OUT_DIR/completions/synclet.bash"
"$BIN_DIR/synclet" --generate-completion-script zsh >"$OUT_DIR/completions/_synclet"
"$BIN_DIR/synclet" --generate-completion-script fish >"$OUT_DIR/completions/synclet.fish"
for file in synclet.bash _synclet synclet.fish; do
    test -s "$OUT_DIR/completions/$file" || { echo "error: empty completion script $file" >&2; exit 1; }
done
echo "Wrote $OUT_DIR/man/synclet.1 and $OUT_DIR/completions/"
