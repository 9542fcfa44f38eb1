#!/usr/bin/env bash
# Build Synclet's RPM for Rocky Linux 9 from release binaries that passed `make release-check`.
#
# Usage: scripts/make-rpm.sh BIN_DIR OUT_DIR          (make rpm)
#
# Stages into OUT_DIR/stage: the stripped synclet, extract, transform and load (not the
# simulator), BUILD_COMMIT, pipeline.yaml, contrib/ (units, cron file, env examples, the failure
# notifier), the man page and completions generated from the argument parser (scripts/make-docs.sh)
# and README.md; then `rpmbuild -bb packaging/synclet.spec`. Prints what the package requires and
# fails if any requirement is not one that Rocky Linux 9's own packages provide. The RPM's path
# is the last line.
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$SOURCE_DIR"
if [ $# -ne 2 ]; then
    echo "usage: $0 BIN_DIR OUT_DIR" >&2
    exit 2
fi
BIN=$(realpath "$1")
OUT=$(realpath -m "$2")

for name in synclet extract transform load; do
    [ -x "$BIN/$name" ] || { echo "error: $BIN/$name is missing; run make release && make release-check" >&2; exit 1; }
done
scripts/checked-release.sh "$BIN"
[ -s "$BIN/BUILD_COMMIT" ] || { echo "error: $BIN/BUILD_COMMIT is missing; build with make release" >&2; exit 1; }

# `synclet 0.1.0 (commit 1a2b3c4)` -> version 0.1.0, release 1.git1a2b3c4 (an RPM release may not
# hold a dash: a -dirty build becomes 1.git1a2b3c4.dirty).
version=$("$BIN/synclet" --version | sed -nE 's/^synclet ([0-9][0-9A-Za-z.+~]*) .*/\1/p')
[ -n "$version" ] || { echo "error: cannot read the version from '$("$BIN/synclet" --version)'" >&2; exit 1; }
release="1.git$(tr -- '-' '.' <"$BIN/BUILD_COMMIT")"

stage="$OUT/stage"
rm -rf "$stage" "$OUT/rpmbuild"
mkdir -p "$stage/bin" "$OUT/rpmbuild"
for name in synclet extract transform load; do
    # --strip-all keeps what the dynamic loader needs; the 150 MB of symbols go.
    strip --strip-all -o "$stage/bin/$name" "$BIN/$name"
done
cp "$BIN/BUILD_COMMIT" "$stage/bin/BUILD_COMMIT"
cp -R contrib "$stage/contrib"
cp pipeline.yaml README.md "$stage/"
scripts/make-docs.sh "$BIN" "$stage"

rpmbuild -bb packaging/synclet.spec \
    --define "_topdir $OUT/rpmbuild" --define "_sourcedir $stage" \
    --define "synclet_version $version" --define "synclet_release $release" \
    >"$OUT/rpmbuild.log" 2>&1 || { cat "$OUT/rpmbuild.log" >&2; echo "error: rpmbuild failed (log above)" >&2; exit 1; }
rpm_file=$(find "$OUT/rpmbuild/RPMS" -name "synclet-$version-$release.*.rpm" | head -n 1)
[ -n "$rpm_file" ] || { echo "error: rpmbuild made no package (log: $OUT/rpmbuild.log)" >&2; exit 1; }
cp "$rpm_file" "$OUT/"
rpm_file="$OUT/$(basename "$rpm_file")"

# Every requirement must be something a Rocky 9 install (with mariadb-connector-c) provides:
# glibc's libraries and symbol versions up to 2.34, libstdc++ up to GLIBCXX_3.4.29 and CXXABI,
# libgcc_s, zlib, Connector/C, and the packages and shell the scriptlets use.
echo "rpm -qpR $(basename "$rpm_file"):"
requires=$(rpm -qpR "$rpm_file" 2>/dev/null)
echo "$requires" | sed 's/^/  /'
unexpected=$(echo "$requires" | grep -vE \
    -e '^(libc|libm|libdl|libpthread|librt|libutil)\.so\.[0-9]+(\((GLIBC_2\.([0-9]|[12][0-9]|3[0-4])(\.[0-9]+)?)?\))?\(64bit\)$' \
    -e '^ld-linux-x86-64\.so\.2(\((GLIBC_2\.([0-9]|[12][0-9]|3[0-4])(\.[0-9]+)?)?\))?\(64bit\)$' \
    -e '^libstdc\+\+\.so\.6(\((GLIBCXX_3\.4(\.([0-9]|1[0-9]|2[0-9]))?|CXXABI_1\.3(\.[0-9]+)?)?\))?\(64bit\)$' \
    -e '^libgcc_s\.so\.1(\((GCC_[0-9.]+)?\))?\(64bit\)$' \
    -e '^libz\.so\.1(\((ZLIB_[0-9.]+)?\))?\(64bit\)$' \
    -e '^libmariadb\.so\.3(\((libmariadb_3|libmysqlclient_18)?\))?\(64bit\)$' \
    -e '^(mariadb-connector-c|shadow-utils|/bin/sh|/usr/bin/sh|rtld\(GNU_HASH\))$' \
    -e '^rpmlib\(' -e '^config\(synclet\) = ' || true)
if [ -n "$unexpected" ]; then
    echo "error: the package requires what Rocky 9 may not provide:" >&2
    echo "$unexpected" | sed 's/^/  /' >&2
    exit 1
fi
echo "every requirement is provided by Rocky Linux 9 (glibc, libstdc++, libgcc, zlib, mariadb-connector-c, shadow-utils, bash)"
scripts/verify-units.sh "$rpm_file"
echo "$rpm_file"
