#!/usr/bin/env bash
# Install what Synclet needs from the system when it is missing: MariaDB Connector/C (to build)
# and the MariaDB server (for `make test` and `make demo`). As root it installs with apt-get or
# dnf; otherwise it prints the one command to run.
set -euo pipefail

have_connector() { pkg-config --exists libmariadb 2>/dev/null; }
have_server() { command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || [ -x /usr/libexec/mariadbd ]; }

if have_connector && have_server; then exit 0; fi

if command -v apt-get >/dev/null 2>&1; then
    command_line="apt-get update && apt-get install -y libmariadb-dev mariadb-server pkg-config"
elif command -v dnf >/dev/null 2>&1; then
    command_line="dnf install -y mariadb-connector-c-devel mariadb-server pkgconf-pkg-config"
else
    echo "Synclet needs MariaDB Connector/C (libmariadb) and the MariaDB server; install them with your package manager." >&2
    exit 1
fi

if [ "$(id -u)" = 0 ]; then
    echo "Installing MariaDB Connector/C and the MariaDB server: $command_line"
    DEBIAN_FRONTEND=noninteractive bash -c "$command_line"
else
    echo "Synclet needs MariaDB Connector/C and the MariaDB server. Run as root:" >&2
    echo "  sudo sh -c '$command_line'" >&2
    exit 1
fi
