#!/usr/bin/env bash
# Prove that release binaries run on Rocky Linux 9 (or any x86_64 Linux with glibc >= 2.31 and
# Connector/C), then record the verdict beside them for `make install` and `make rpm`.
#
# Usage: scripts/release-check.sh BIN_DIR          (make release-check)
#
# 1. Symbol versions: the highest GLIBC_ the binaries need is at most 2.34 and the highest
#    GLIBCXX_ at most 3.4.29 (Rocky 9's glibc 2.34 and GCC 11 libstdc++), read with objdump -T.
# 2. Needed libraries: no libswift* (the runtime is linked in); every NEEDED entry is one of
#    glibc's, libstdc++, libgcc_s, libz or libmariadb.so.3.
# 3. A real run in a Debian 11 chroot that has nothing but a bare bullseye and libmariadb3
#    (scripts/make-sysroot.sh check): `synclet --version`, `synclet init`, then `synclet sync`
#    of a small simulated store into a private MariaDB on the host (127.0.0.1), and the order
#    count read back from the database.
# Writes BIN_DIR/RELEASE_CHECK ("passed <commit>", then the sha256sum of every binary it checked)
# only when all pass; scripts/checked-release.sh reads it for `make install` and `make rpm`.
#
#   CHECK_ROOT      the chroot (default .local/chroot-bullseye)
#   MARIADB_PORT    the private server's port (default 3407; `make` passes its MARIADB_PORT)
#   CHECK_SIM_PORT  the simulator's port (default 0: a free one, so several checkouts can run the
#                   check at once), CHECK_ORDERS its orders (default 300)
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$SOURCE_DIR"
if [ $# -ne 1 ]; then
    echo "usage: $0 BIN_DIR" >&2
    exit 2
fi
BIN=$(realpath "$1")
ROOT=$(realpath -m "${CHECK_ROOT:-.local/chroot-bullseye}")
SIM_PORT=${CHECK_SIM_PORT:-0}
ORDERS=${CHECK_ORDERS:-300}
MAX_GLIBC=2.34
MAX_GLIBCXX=3.4.29
STAGES=(synclet extract transform load)

rm -f "$BIN/RELEASE_CHECK"
fail() { echo "release-check FAILED: $*" >&2; exit 1; }
for name in "${STAGES[@]}" onesaas-sim; do
    [ -x "$BIN/$name" ] || fail "$BIN/$name is missing; run make release"
done

# Highest version of a symbol-version family among the dynamic symbols of the given files.
highest() { # family files...
    local family=$1; shift
    objdump -T "$@" | grep -oE "\b${family}_[0-9]+(\.[0-9]+)*\b" | sed "s/^${family}_//" | sort -uV | tail -n 1
}
version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]; }

echo "== symbol versions and needed libraries"
for name in "${STAGES[@]}" onesaas-sim; do
    file="$BIN/$name"
    glibc=$(highest GLIBC "$file")
    glibcxx=$(highest GLIBCXX "$file")
    needed=$(readelf -d "$file" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | tr '\n' ' ')
    printf '%-12s GLIBC_%s  GLIBCXX_%s  NEEDED: %s\n' "$name" "$glibc" "${glibcxx:-none}" "$needed"
    version_le "$glibc" "$MAX_GLIBC" || fail "$name needs GLIBC_$glibc, newer than Rocky 9's $MAX_GLIBC: $(objdump -T "$file" | grep -E "GLIBC_$glibc\b" | awk '{print $NF}' | sort -u | tr '\n' ' ')"
    [ -z "$glibcxx" ] || version_le "$glibcxx" "$MAX_GLIBCXX" || fail "$name needs GLIBCXX_$glibcxx, newer than Rocky 9's $MAX_GLIBCXX"
    for library in $needed; do
        case "$library" in
            libswift*) fail "$name needs $library: the Swift runtime is not linked statically" ;;
            libc.so.6 | libm.so.6 | libdl.so.2 | libpthread.so.0 | librt.so.1 | libutil.so.1 | ld-linux-x86-64.so.2 | \
                libstdc++.so.6 | libgcc_s.so.1 | libz.so.1 | libmariadb.so.3) ;;
            *) fail "$name needs $library, which a Rocky 9 server with only mariadb-connector-c may not have" ;;
        esac
    done
done
all_glibc=$(highest GLIBC "${STAGES[@]/#/$BIN/}")
all_glibcxx=$(highest GLIBCXX "${STAGES[@]/#/$BIN/}")
echo "highest needed by synclet, extract, transform, load: GLIBC_$all_glibc (at most $MAX_GLIBC), GLIBCXX_$all_glibcxx (at most $MAX_GLIBCXX)"

echo "== a real run inside a Debian 11 chroot ($ROOT)"
scripts/make-sysroot.sh check "$ROOT"
echo "chroot glibc: $(chroot "$ROOT" /usr/bin/ldd --version | head -n 1)"

# The binaries go in as an installation would lay them out (synclet finds its stages in
# ../libexec/synclet); nothing else of the build machine is visible inside.
install_dir="$ROOT/opt/synclet"
rm -rf "$install_dir"
install -d "$install_dir/bin" "$install_dir/libexec/synclet" "$ROOT/tmp/synclet-check"
install -m 0755 "$BIN/synclet" "$install_dir/bin/synclet"
for name in extract transform load; do install -m 0755 "$BIN/$name" "$install_dir/libexec/synclet/$name"; done
[ ! -f "$BIN/BUILD_COMMIT" ] || install -m 0644 "$BIN/BUILD_COMMIT" "$install_dir/libexec/synclet/BUILD_COMMIT"
install -m 0644 pipeline.yaml "$install_dir/pipeline.yaml"

mounted=()
sim_dir=$(mktemp -d)
db_dir=.local/mariadb-release-check
cleanup() {
    scripts/simulator.sh stop "$sim_dir" >/dev/null 2>&1 || true
    scripts/mariadb-private.sh stop "$db_dir" >/dev/null 2>&1 || true
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -R "${mounted[$i]}" 2>/dev/null || umount -Rl "${mounted[$i]}" || true; done
    rm -rf "$sim_dir" "$install_dir" "$ROOT/tmp/synclet-check"
}
trap cleanup EXIT
# /proc for the runtime (it finds its own path there), /dev for /dev/null and /dev/urandom.
for fs in proc dev; do
    mountpoint -q "$ROOT/$fs" || { mount --rbind "/$fs" "$ROOT/$fs" && mount --make-rslave "$ROOT/$fs" && mounted+=("$ROOT/$fs"); }
done
# A clean environment; the settings come from a .env in the working directory, as on a server,
# so no password is on a command line.
in_chroot() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp /bin/sh -c 'cd /tmp/synclet-check && exec "$0" "$@"' "$@"; }

version=$(in_chroot /opt/synclet/bin/synclet --version) || fail "synclet --version did not run in the chroot"
echo "synclet --version: $version"

# The simulator (a test tool, not shipped) runs on the host; the database is a private MariaDB on
# the host too, reached over 127.0.0.1 as a Rocky server reaches its database.
scripts/simulator.sh start "$BIN" "$SIM_PORT" "$ORDERS" "$sim_dir"
SIM_PORT=$(cat "$sim_dir/sim.port")
scripts/mariadb-private.sh start "$db_dir"
eval "$(scripts/mariadb-private.sh env "$db_dir")"
umask 077
cat >"$ROOT/tmp/synclet-check/.env" <<SETTINGS
MAGENTO_BASE_URL=http://127.0.0.1:$SIM_PORT/onesaas_connect/index/index
MAGENTO_ACCESS_KEY=sim-access-key
INITIAL_SYNC_DATE="2025-01-01 00:00:00"
SYNCLET_STAGING_DIR=/tmp/synclet-check/staging
SYNCLET_PIPELINE=/opt/synclet/pipeline.yaml
DB_HOST=127.0.0.1
DB_PORT=$DB_PORT
DB_USER=$DB_USER
DB_PASSWORD=$DB_PASSWORD
DB_NAME=$DB_NAME
SETTINGS
umask 022
# A clean database each time, so the count below is this run's.
export MYSQL_PWD=$DB_PASSWORD
sql() { "$(command -v mariadb || command -v mysql)" --protocol=TCP -h 127.0.0.1 -P "$DB_PORT" -u "$DB_USER" -N -B -e "$1"; }
sql "DROP DATABASE IF EXISTS \`$DB_NAME\`; CREATE DATABASE \`$DB_NAME\`"
in_chroot /opt/synclet/bin/synclet init --quiet || fail "synclet init failed in the chroot"
in_chroot /opt/synclet/bin/synclet sync || fail "synclet sync failed in the chroot"
loaded=$(sql "SELECT COUNT(*) FROM \`$DB_NAME\`.orders")
echo "orders in the database after the sync in the chroot: $loaded (the simulated store has $ORDERS; its quirks make it drop a few)"
[ "$loaded" -gt 0 ] && [ "$loaded" -le "$ORDERS" ] || fail "the sync in the chroot loaded $loaded orders"
in_chroot /opt/synclet/bin/synclet status | tail -n 15

commit=$(cat "$BIN/BUILD_COMMIT" 2>/dev/null || echo unknown)
# What scripts/checked-release.sh reads: the verdict, then each checked binary's checksum.
{ echo "passed $commit"; (cd "$BIN" && sha256sum "${STAGES[@]}" onesaas-sim); } >"$BIN/RELEASE_CHECK"
echo "release-check passed: GLIBC_$all_glibc, GLIBCXX_$all_glibcxx, no libswift*, synclet $commit ran a sync of $loaded orders in Debian 11"
