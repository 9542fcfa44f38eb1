#!/usr/bin/env bash
# Run a private, throw-away MariaDB server for tests and the demo.
#
# Usage: scripts/mariadb-private.sh start|stop|status|env [DIR]
#
#   DIR                default .local/mariadb (relative to the current directory); holds
#                      data/, mysqld.sock, mysqld.pid, error.log
#   MARIADB_PORT       TCP port on 127.0.0.1 (default 3407)
#   MARIADB_PASSWORD   password of the `synclet` user (default synclet-dev-password)
#   MARIADB_DATABASE   database created for the application (default synclet)
#
# start   initialise DIR/data if needed, start mariadbd detached, wait until it answers,
#         then (idempotently) create synclet@127.0.0.1 and synclet@localhost with ALL on *.*
#         and the application database. Safe to run when the server is already up.
# stop    shut the server down and wait until the process has exited.
# status  exit 0 and say so if the server is running, exit 1 otherwise.
# env     print `export DB_HOST=... DB_PORT=... DB_USER=... DB_PASSWORD=... DB_NAME=...`,
#         e.g. `eval "$(scripts/mariadb-private.sh env)"`.
#
# Works as root (CI) and as a normal user. The root account of the private server has no
# password and only listens where this server listens (127.0.0.1 and the socket in DIR).
set -euo pipefail

usage() {
    echo "usage: $0 start|stop|status|env [DIR]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
COMMAND=$1
DIR=${2:-.local/mariadb}
PORT=${MARIADB_PORT:-3407}
PASSWORD=${MARIADB_PASSWORD:-synclet-dev-password}
DATABASE=${MARIADB_DATABASE:-synclet}
APP_USER=synclet
START_TIMEOUT=60
STOP_TIMEOUT=60

case "$PORT" in
    '' | *[!0-9]*) echo "MARIADB_PORT must be a number, got '$PORT'" >&2; exit 2 ;;
esac

mkdir_abs() {
    mkdir -p "$1"
    (cd "$1" && pwd -P)
}

# Find the first existing executable among names, looking in PATH and the sbin/libexec
# directories distributions install the server into (often not in a normal user's PATH).
find_tool() {
    local name dir
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
        for dir in /usr/sbin /usr/local/sbin /usr/libexec /usr/local/bin /usr/bin /sbin; do
            if [ -x "$dir/$name" ]; then
                echo "$dir/$name"
                return 0
            fi
        done
    done
    return 1
}

missing_server() {
    echo "error: MariaDB server binaries not found ($1)." >&2
    echo "Install them with one of:" >&2
    echo "  apt-get install -y mariadb-server    # Debian/Ubuntu" >&2
    echo "  dnf install -y mariadb-server        # Fedora/RHEL" >&2
    exit 1
}

pid_alive() {
    local pid
    [ -f "$PID_FILE" ] || return 1
    pid=$(cat "$PID_FILE" 2>/dev/null || true)
    case "$pid" in '' | *[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null
}

server_pid() {
    cat "$PID_FILE" 2>/dev/null || true
}

sql_string() { # quote $1 as an SQL string literal
    local s=${1//\\/\\\\}
    s=${s//\'/\'\'}
    printf "'%s'" "$s"
}

sql_ident() { # quote $1 as an SQL identifier
    printf '`%s`' "${1//\`/\`\`}"
}

log_tail() {
    if [ -f "$DIR/error.log" ]; then
        echo "---- last lines of $DIR/error.log ----" >&2
        tail -n 30 "$DIR/error.log" >&2
        echo "--------------------------------------" >&2
    fi
    if [ -s "$DIR/mariadbd.out" ]; then
        echo "---- $DIR/mariadbd.out ----" >&2
        tail -n 10 "$DIR/mariadbd.out" >&2
    fi
}

admin() {
    "$ADMIN" --no-defaults --user=root --socket="$SOCKET" --connect-timeout=5 "$@"
}

root_sql() {
    "$CLIENT" --no-defaults --user=root --socket="$SOCKET" --batch --skip-column-names -e "$1"
}

ensure_app_user() {
    local pw db host sql=""
    pw=$(sql_string "$PASSWORD")
    db=$(sql_ident "$DATABASE")
    for host in 127.0.0.1 localhost; do
        sql+="CREATE USER IF NOT EXISTS '$APP_USER'@'$host' IDENTIFIED BY $pw;"
        sql+="ALTER USER '$APP_USER'@'$host' IDENTIFIED BY $pw;"
        sql+="GRANT ALL PRIVILEGES ON *.* TO '$APP_USER'@'$host';"
    done
    sql+="CREATE DATABASE IF NOT EXISTS $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
    sql+="FLUSH PRIVILEGES;"
    root_sql "$sql"
}

resolve_tools() {
    SERVER=$(find_tool mariadbd mysqld) || missing_server "mariadbd"
    INSTALL_DB=$(find_tool mariadb-install-db mysql_install_db) || missing_server "mariadb-install-db"
    ADMIN=$(find_tool mariadb-admin mysqladmin) || missing_server "mariadb-admin"
    CLIENT=$(find_tool mariadb mysql) || missing_server "mariadb client"
}

cmd_start() {
    local user_args=()
    if [ "$(id -u)" -eq 0 ]; then
        user_args=(--user=root)
    fi

    if pid_alive; then
        echo "MariaDB already running (pid $(server_pid), port $PORT, socket $SOCKET)"
        ensure_app_user
        return 0
    fi
    rm -f "$PID_FILE"

    if [ ! -d "$DIR/data/mysql" ]; then
        echo "Initialising MariaDB data directory in $DIR/data"
        mkdir -p "$DIR/data"
        if ! "$INSTALL_DB" --no-defaults --datadir="$DIR/data" \
            --auth-root-authentication-method=normal --skip-test-db \
            ${user_args[@]+"${user_args[@]}"} >"$DIR/install-db.log" 2>&1; then
            echo "error: mariadb-install-db failed; see $DIR/install-db.log:" >&2
            tail -n 30 "$DIR/install-db.log" >&2
            exit 1
        fi
    fi

    echo "Starting MariaDB on 127.0.0.1:$PORT (data in $DIR/data)"
    local args=(
        --no-defaults
        --datadir="$DIR/data"
        --socket="$SOCKET"
        --port="$PORT"
        --bind-address=127.0.0.1
        --pid-file="$PID_FILE"
        --log-error="$DIR/error.log"
        --skip-name-resolve
        --character-set-server=utf8mb4
        --collation-server=utf8mb4_unicode_ci
        --default-time-zone=+00:00
        --local-infile=1
        ${user_args[@]+"${user_args[@]}"}
    )
    # Fully detached: own session, no inherited stdin/stdout/stderr, so a make recipe or a
    # pipeline (`make | tee`) returns immediately.
    if command -v setsid >/dev/null 2>&1; then
        setsid "$SERVER" "${args[@]}" </dev/null >>"$DIR/mariadbd.out" 2>&1 &
    else
        nohup "$SERVER" "${args[@]}" </dev/null >>"$DIR/mariadbd.out" 2>&1 &
    fi
    local launcher=$!
    disown "$launcher" 2>/dev/null || true

    local waited=0
    until admin ping >/dev/null 2>&1; do
        if [ "$waited" -ge "$START_TIMEOUT" ]; then
            echo "error: MariaDB did not answer within ${START_TIMEOUT}s" >&2
            log_tail
            exit 1
        fi
        if ! kill -0 "$launcher" 2>/dev/null && ! pid_alive; then
            echo "error: mariadbd exited during startup" >&2
            log_tail
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done

    if ! ensure_app_user; then
        echo "error: could not create user '$APP_USER' / database '$DATABASE'" >&2
        log_tail
        exit 1
    fi
    echo "MariaDB running (pid $(server_pid)); user $APP_USER, database $DATABASE"
}

cmd_stop() {
    if ! pid_alive; then
        echo "MariaDB not running ($DIR)"
        rm -f "$PID_FILE"
        return 0
    fi
    local pid
    pid=$(server_pid)
    echo "Stopping MariaDB (pid $pid)"
    local ADMIN
    ADMIN=$(find_tool mariadb-admin mysqladmin || true)
    if [ -z "$ADMIN" ] || ! admin shutdown >/dev/null 2>&1; then
        kill -TERM "$pid" 2>/dev/null || true
    fi
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$waited" -ge "$STOP_TIMEOUT" ]; then
            echo "MariaDB did not stop within ${STOP_TIMEOUT}s; killing pid $pid" >&2
            kill -KILL "$pid" 2>/dev/null || true
            sleep 1
            break
        fi
        sleep 1
        waited=$((waited + 1))
    done
    rm -f "$PID_FILE"
    echo "MariaDB stopped"
}

cmd_status() {
    if pid_alive; then
        echo "MariaDB running (pid $(server_pid), port $PORT, socket $SOCKET)"
        return 0
    fi
    echo "MariaDB not running ($DIR)"
    return 1
}

cmd_env() {
    printf 'export DB_HOST=127.0.0.1 DB_PORT=%s DB_USER=%s DB_PASSWORD=%q DB_NAME=%q\n' \
        "$PORT" "$APP_USER" "$PASSWORD" "$DATABASE"
}

case "$COMMAND" in
    start | stop | status) ;;
    env) cmd_env; exit 0 ;;
    *) usage ;;
esac
[ "$COMMAND" = start ] && resolve_tools

DIR=$(mkdir_abs "$DIR")
SOCKET="$DIR/mysqld.sock"
PID_FILE="$DIR/mysqld.pid"

case "$COMMAND" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
esac
