#!/usr/bin/env bash
# Make a Debian 11 (bullseye) root in a folder of the project, with debootstrap.
#
# Usage: scripts/make-sysroot.sh build|check [DIR]
#
#   build  DIR defaults to .local/sysroot-bullseye. The root `make release` links against:
#          glibc 2.31 and GCC 10's libstdc++, so the binaries need nothing newer than what
#          Rocky Linux 9 (glibc 2.34, GLIBCXX_3.4.29) or any glibc >= 2.31 distribution has.
#          Holds the headers, crt files and .so links the linker needs, Connector/C's headers
#          and its pkg-config file.
#   check  DIR defaults to .local/chroot-bullseye. A bare bullseye plus libmariadb3 only:
#          `make release-check` runs the release binaries inside it, as on a server that has
#          nothing but glibc, libstdc++ and Connector/C.
#
# Needs root and debootstrap (apt-get install debootstrap) and deb.debian.org. Downloads are
# cached in .local/debootstrap-cache, so the second root is quick. Idempotent: a root made by
# this same script with the same package list is left alone (a stamp file records it); a half
# made one is made again. First run: 3 to 12 minutes per root on a busy, shared 2-core machine.
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd -P)
SUITE=bullseye
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE_DIR="$SOURCE_DIR/.local/debootstrap-cache"

purpose=${1:-}
case "$purpose" in
    build)
        dir=${2:-$SOURCE_DIR/.local/sysroot-bullseye}
        # What linking needs: crt files and libc/libm/libpthread links, libstdc++ and libgcc
        # (the Swift runtime is C++), Connector/C headers and .pc, zlib.
        packages=libc6-dev,libstdc++-10-dev,libgcc-10-dev,libmariadb-dev,libmariadb3,zlib1g-dev,pkg-config,linux-libc-dev
        ;;
    check)
        dir=${2:-$SOURCE_DIR/.local/chroot-bullseye}
        packages=libmariadb3
        ;;
    *)
        echo "usage: $0 build|check [DIR]" >&2
        exit 2
        ;;
esac

stamp="$dir/.synclet-sysroot"
want="$SUITE $purpose $packages"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "$dir is ready (Debian 11 $purpose root)"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "error: making $dir needs root (debootstrap); run: sudo $0 $purpose${2:+ $2}" >&2
    exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "error: debootstrap is missing; install it: apt-get install -y debootstrap" >&2
    exit 1
fi

# A root without its stamp was interrupted half way: start it again from nothing rather than
# trust it. Refuse to delete anything that does not look like a root this script made.
if [ -e "$dir" ]; then
    if [ -d "$dir/etc" ] && [ -d "$dir/usr" ] || [ -z "$(ls -A "$dir")" ]; then
        echo "Removing the incomplete root in $dir"
        rm -rf --one-file-system "$dir"
    else
        echo "error: $dir exists and is not a Debian root made by $0; remove it or pass another DIR" >&2
        exit 1
    fi
fi

mkdir -p "$CACHE_DIR" "$(dirname "$dir")"
echo "Making a Debian 11 ($SUITE) $purpose root in $dir (packages: $packages); this takes a few minutes"
started=$SECONDS
debootstrap --variant=minbase --arch=amd64 --include="$packages" --cache-dir="$CACHE_DIR" \
    --keyring=/usr/share/keyrings/debian-archive-bullseye-stable.gpg \
    "$SUITE" "$dir" "$MIRROR"

if [ "$purpose" = build ]; then
    # Links that point at absolute paths (/lib/x86_64-linux-gnu/...) would lead the linker
    # out of the sysroot into the build machine's newer libraries: make them relative.
    find "$dir" -xdev -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
        target=$(readlink "$link")
        ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$dir$target")" "$link"
    done
fi
# The downloaded .debs stay in the cache, not in the root.
rm -f "$dir"/var/cache/apt/archives/*.deb

echo "$want" >"$stamp"
echo "Made $dir in $((SECONDS - started))s"
