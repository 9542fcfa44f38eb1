#!/usr/bin/env bash
# Release build that runs on any x86_64 Linux with glibc >= 2.31 and Connector/C (Rocky Linux 9,
# Debian 11+, Ubuntu 20.04+): the Swift runtime linked statically, everything else linked against
# a Debian 11 root (glibc 2.31, GCC 10's libstdc++) instead of the build machine's newer ones.
#
# Usage: scripts/release.sh            (make release)
#   RELEASE_SCRATCH  the build folder (default .build-release), apart from .build so that the debug
#                    builds of `make test` and the plain release build of `make bench` never
#                    overwrite these binaries
#   SYSROOT          the Debian 11 root (default .local/sysroot-bullseye; made when missing by
#                    scripts/make-sysroot.sh build)
# Prints the directory holding the binaries alone on its last line.
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$SOURCE_DIR"
SWIFT=${SWIFT:-swift}
SCRATCH=$(realpath -m "${RELEASE_SCRATCH:-.build-release}")
SYSROOT=$(realpath -m "${SYSROOT:-.local/sysroot-bullseye}")

scripts/make-sysroot.sh build "$SYSROOT" >&2

# With -sdk, swiftc looks for the Swift runtime (swiftrt.o, the static archives) inside the SDK,
# as in a Swift SDK bundle: point the root at this toolchain's, re-pointed on every build so a
# new toolchain is picked up.
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v "$SWIFT")")")")
for dir in swift swift_static; do
    [ -d "$toolchain/lib/$dir" ] || { echo "error: $toolchain/lib/$dir is missing: is $SWIFT a Swift toolchain?" >&2; exit 1; }
    ln -sfn "$toolchain/lib/$dir" "$SYSROOT/usr/lib/$dir"
done

# The Swift runtime calls std::__throw_bad_array_new_length, which only GCC 11's libstdc++ has
# (GLIBCXX_3.4.29): define it inside the binaries instead (packaging/compat explains).
compat="$SCRATCH/compat/throw_bad_array_new_length.o"
mkdir -p "$(dirname "$compat")"
"$toolchain/bin/clang++" --sysroot="$SYSROOT" -O2 -fPIC -c packaging/compat/throw_bad_array_new_length.cpp -o "$compat"

# Connector/C's headers and link flags from the root's own libmariadb.pc, with the root put in
# front of its paths; the build machine's pkg-config files are not searched at all.
export PKG_CONFIG_SYSROOT_DIR=$SYSROOT
export PKG_CONFIG_LIBDIR=$SYSROOT/usr/lib/x86_64-linux-gnu/pkgconfig:$SYSROOT/usr/share/pkgconfig
export PKG_CONFIG_PATH=$PKG_CONFIG_LIBDIR

flags=(
    -c release --scratch-path "$SCRATCH" --static-swift-stdlib
    # -sdk: Swift's Glibc module and the clang link driver both use the root (headers, crt
    # files, libc, libstdc++, libgcc); -Xcc for the C targets (BoringSSL, NIO's shims, ...).
    -Xswiftc -sdk -Xswiftc "$SYSROOT"
    -Xcc --sysroot="$SYSROOT"
    -Xlinker --sysroot="$SYSROOT"
    -Xlinker "$compat"
)
echo "Building release against $SYSROOT (glibc $(ls "$SYSROOT"/usr/lib/x86_64-linux-gnu/libc-*.so | sed -E 's/.*libc-([0-9.]+)\.so/\1/'))" >&2
$SWIFT build "${flags[@]}" >&2
bin=$($SWIFT build "${flags[@]}" --show-bin-path)

# The commit the binaries come from, for `synclet --version`.
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
    git diff --quiet HEAD 2>/dev/null || commit=$commit-dirty
    echo "$commit" >"$bin/BUILD_COMMIT"
    echo "Built commit $commit" >&2
else
    rm -f "$bin/BUILD_COMMIT"
fi
# Marks the binaries as this kind of build: `make install` and `make rpm` refuse a folder without
# it, and `make release-check` records its verdict beside it.
rm -f "$bin/RELEASE_CHECK"
echo "$bin"
