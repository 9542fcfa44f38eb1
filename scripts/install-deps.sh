#!/usr/bin/env bash
# Install what Synclet needs from the system when it is missing. As root it installs with apt-get
# or dnf; otherwise it prints the one command to run.
#
# Usage: scripts/install-deps.sh [test|release|check|rpm]
#   test     (default; make deps, make build/test/demo) MariaDB Connector/C headers and the
#            MariaDB server
#   release  (make release) debootstrap, to make the Debian 11 root the release links against
#            (Connector/C's headers come from that root), and binutils; no MariaDB server
#   check    (make release-check) release's, plus the MariaDB server for the sync in the chroot
#   rpm      (make rpm) check's, plus rpmbuild, cpio and systemd-analyze (to verify the units)
set -euo pipefail

mode=${1:-test}
apt=() dnf=() missing=()
need() { # description check apt-packages dnf-packages
    if ! eval "$2" >/dev/null 2>&1; then
        missing+=("$1")
        apt+=($3)
        dnf+=($4)
    fi
}
have_server='command -v mariadbd || [ -x /usr/sbin/mariadbd ] || [ -x /usr/libexec/mariadbd ]'
need_release() {
    need debootstrap 'command -v debootstrap || [ -x /usr/sbin/debootstrap ]' debootstrap debootstrap
    need binutils 'command -v objdump && command -v readelf' binutils binutils
}
case "$mode" in
    test)
        need "MariaDB Connector/C" 'pkg-config --exists libmariadb' "libmariadb-dev pkg-config" "mariadb-connector-c-devel pkgconf-pkg-config"
        need "the MariaDB server" "$have_server" mariadb-server mariadb-server
        ;;
    release) need_release ;;
    check | rpm)
        need_release
        need "the MariaDB server and client" "$have_server && { command -v mariadb || command -v mysql; }" \
            "mariadb-server mariadb-client" "mariadb-server mariadb"
        if [ "$mode" = rpm ]; then
            need rpmbuild 'command -v rpmbuild' rpm rpm-build
            # The units are checked as the package installs them (scripts/verify-units.sh).
            need "rpm2cpio, cpio and systemd-analyze" 'command -v rpm2cpio && command -v cpio && command -v systemd-analyze' \
                "rpm cpio systemd" "rpm cpio systemd"
        fi
        ;;
    *)
        echo "usage: $0 [test|release|check|rpm]" >&2
        exit 2
        ;;
esac

[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
    command_line="apt-get update && apt-get install -y ${apt[*]}"
elif command -v dnf >/dev/null 2>&1; then
    command_line="dnf install -y ${dnf[*]}"
else
    echo "Synclet needs: ${missing[*]}; install them with your package manager." >&2
    exit 1
fi

if [ "$(id -u)" = 0 ]; then
    echo "Installing ${missing[*]}: $command_line"
    DEBIAN_FRONTEND=noninteractive bash -c "$command_line"
else
    echo "Synclet needs ${missing[*]}. Run as root:" >&2
    echo "  sudo sh -c '$command_line'" >&2
    exit 1
fi
