#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite: a fresh cluster in a temporary
# directory, listening on 127.0.0.1 only, on a free port, password authentication.
#
#   eval "$(scripts/pg_throwaway.sh start)"   # exports OKRKIT_TEST_PG_URL and OKRKIT_PG_THROWAWAY
#   ...run the tests...
#   scripts/pg_throwaway.sh stop              # stops that server (by PID) and removes its directory
#
# stdout carries only the `export` lines; progress and errors go to stderr.
# Run as root, the server runs as the `postgres` user (PG_USER to change it): initdb
# refuses to run as root. Binaries: PG_BIN, else the newest /usr/lib/postgresql/*/bin,
# else PATH. `stop` finds the server from $OKRKIT_PG_THROWAWAY (the directory printed
# by start) or, failing that, from the last start recorded in $PG_THROWAWAY_STATE.
set -euo pipefail

STATE=${PG_THROWAWAY_STATE:-${TMPDIR:-/tmp}/okrkit-pg-throwaway.last}
PG_USER=${PG_USER:-postgres}
DB=${PG_DB:-okrkit_test}
ROLE=okrkit

log() { echo "pg_throwaway: $*" >&2; }
die() { log "$*"; exit 1; }

find_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return; fi
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
    die "no PostgreSQL binaries found (apt-get install -y postgresql, or set PG_BIN)"
}

as_server_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

free_port() {
    local py
    for py in python3 python; do
        if command -v "$py" >/dev/null 2>&1; then
            "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
            return
        fi
    done
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    die "no free port found"
}

start() {
    local bin dir port password pid
    bin=$(find_bin)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/okrkit-pg.XXXXXX")
    chmod 700 "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        id "$PG_USER" >/dev/null 2>&1 || die "user $PG_USER does not exist (set PG_USER)"
        chown "$PG_USER" "$dir"
    fi
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" >"$dir/pwfile"
    [[ $(id -u) -eq 0 ]] && chown "$PG_USER" "$dir/pwfile"
    chmod 600 "$dir/pwfile"
    log "initdb in $dir/data ($bin)"
    as_server_user "$bin/initdb" -D "$dir/data" -U "$ROLE" --pwfile="$dir/pwfile" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    port=$(free_port)
    as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200" \
        start >&2 || { cat "$dir/server.log" >&2; die "server did not start"; }
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    PGPASSWORD=$password as_server_user "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$ROLE" "$DB" \
        || die "createdb failed"
    rm -f "$dir/pwfile"
    printf 'PG_DIR=%q\nPG_PID=%q\nPG_BIN=%q\n' "$dir" "$pid" "$bin" >"$dir/state"
    printf '%s\n' "$dir" >"$STATE"
    log "server pid $pid on 127.0.0.1:$port"
    echo "export OKRKIT_TEST_PG_URL=postgresql+psycopg://$ROLE:$password@127.0.0.1:$port/$DB"
    echo "export OKRKIT_PG_THROWAWAY=$dir"
}

stop() {
    local dir=${OKRKIT_PG_THROWAWAY:-}
    if [[ -z "$dir" && -f "$STATE" ]]; then dir=$(cat "$STATE"); fi
    [[ -n "$dir" && -f "$dir/state" ]] || { log "no throwaway server to stop"; return 0; }
    # shellcheck disable=SC1091
    source "$dir/state"
    if kill -0 "$PG_PID" 2>/dev/null; then
        kill -INT "$PG_PID"  # fast shutdown: disconnect clients, stop cleanly
        for _ in $(seq 1 100); do
            kill -0 "$PG_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$PG_PID" 2>/dev/null; then
            log "server $PG_PID did not stop; killing it"
            kill -KILL "$PG_PID" 2>/dev/null || true
            sleep 0.5
        fi
    fi
    case "$PG_DIR" in
        "${TMPDIR:-/tmp}"/okrkit-pg.*) rm -rf -- "$PG_DIR" ;;
        *) die "refusing to remove unexpected directory $PG_DIR" ;;
    esac
    if [[ -f "$STATE" && "$(cat "$STATE")" == "$dir" ]]; then rm -f "$STATE"; fi
    log "stopped server $PG_PID and removed $PG_DIR"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
