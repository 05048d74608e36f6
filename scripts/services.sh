#!/usr/bin/env bash
# Redis and PostgreSQL from Debian's packages, private to one directory, for the sync tests and
# for a developer (`./dev services start|stop|status`). The test suite's fixtures start them in
# pytest's temporary directory (tests/sync/conftest.py); this script is the one place that knows
# how.
#
#   scripts/services.sh install                    apt-get install redis-server postgresql (root)
#   scripts/services.sh start DIR [redis|postgres]   start (both by default); prints their URLs
#   scripts/services.sh stop DIR [redis|postgres]    stop; fails if a process is left behind
#   scripts/services.sh purge DIR [redis|postgres]   stop, then delete their data
#   scripts/services.sh status DIR                   which run, on which port (exit 3: not all)
#
# Each service listens on 127.0.0.1 only, on a free port chosen at start, with a random password
# (in DIR/<service>/url, mode 0600) and its data in DIR/<service>/. As root they run as the
# packages' unprivileged users (PostgreSQL refuses root): `postgres` and `redis` (else `nobody`);
# otherwise as the caller. When that user cannot reach DIR (root's 0700 temporary directories),
# DIR/<service> links to a private directory in $TMPDIR instead, deleted by purge.
# DIR/env holds REDIS_URL and DATABASE_URL (`set -a; . DIR/env; set +a`).
# The PostgreSQL cluster runs with fsync off: it is a throwaway for tests and development.
set -euo pipefail

usage() {
    sed -n '7,11p' "$0" | sed 's/^#  *//' >&2
    exit 2
}

warn() { echo "== $*" >&2; }
die() { echo "services: $*" >&2; exit 1; }

redis_bin() { command -v redis-server || { [ -x /usr/bin/redis-server ] && echo /usr/bin/redis-server; } || true; }
pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
}

install_packages() {
    local missing=()
    [ -n "$(redis_bin)" ] || missing+=(redis-server)
    [ -n "$(pg_bindir)" ] || missing+=(postgresql)
    if [ ${#missing[@]} -eq 0 ]; then
        return
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
        warn "WARNING: ${missing[*]} missing and cannot be installed here (needs root and apt-get);"
        warn "  the sync tests that need them will be skipped (and fail in CI). Install: ${missing[*]}"
        return
    fi
    warn "installing ${missing[*]} (Debian packages) for the sync tests"
    local log
    log=$(mktemp)
    # policy-rc.d-less containers may start the packages' own system services: they are not
    # used (ours run on private ports) and are left as the package manager decides.
    if ! { apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
         } > "$log" 2>&1; then
        tail -n 40 "$log" >&2
        rm -f "$log"
        if [ -n "${CI:-}" ]; then
            die "installing ${missing[*]} failed"
        fi
        warn "WARNING: continuing without ${missing[*]}; the sync tests will be skipped"
        return
    fi
    rm -f "$log"
}

# The user a service runs as: the caller, or the package's unprivileged user when root.
service_user() {
    if [ "$(id -u)" != 0 ]; then
        id -un
    elif id "$1" > /dev/null 2>&1; then
        echo "$1"
    else
        echo nobody
    fi
}

as_user() {
    local user=$1
    shift
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$user" -- "$@"
    else
        "$@"
    fi
}

# The directory of service `name` under DIR, owned by `user`. Root's temporary directories
# (pytest's) are 0700, and PostgreSQL running as `postgres` must reach its data: when `user`
# cannot reach DIR, the data goes to a fresh private directory in $TMPDIR, which DIR/<name>
# links to (purge deletes both).
service_dir() {
    local root=$1 name=$2 user=$3 target
    if [ ! -e "$root/$name" ]; then
        if [ "$(id -u)" = 0 ] && ! runuser -u "$user" -- test -x "$root"; then
            target=$(mktemp -d "${TMPDIR:-/tmp}/paysupport-$name.XXXXXX")
            ln -s "$target" "$root/$name"
        else
            mkdir -p "$root/$name"
        fi
    fi
    target=$(readlink -f "$root/$name")
    chmod 700 "$target"
    if [ "$(id -u)" = 0 ]; then chown "$user" "$target"; fi
    echo "$target"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

secret() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# A process that exited is not alive, even while a zombie (a daemon's parent is init, which may
# reap it seconds later).
alive() {
    [ -n "${1:-}" ] && kill -0 "$1" 2> /dev/null || return 1
    local state
    state=$(sed 's/.*) //' "/proc/$1/stat" 2> /dev/null | cut -d' ' -f1)
    [ -n "$state" ] && [ "$state" != Z ]
}

# Wait until `pid` is gone (up to `seconds`), then SIGKILL it; fail if it survives.
reap() {
    local pid=$1 seconds=$2 i
    for ((i = 0; i < seconds * 20; i++)); do
        alive "$pid" || return 0
        sleep 0.05
    done
    warn "process $pid did not stop in ${seconds}s: killing it"
    kill -KILL "$pid" 2> /dev/null || true
    sleep 0.2
    ! alive "$pid"
}

redis_pid() { cat "$1/redis/redis.pid" 2> /dev/null || true; }
pg_pid() { head -n 1 "$1/postgres/data/postmaster.pid" 2> /dev/null || true; }

start_redis() {
    local root=$1 dir=$1/redis bin user port password
    bin=$(redis_bin)
    [ -n "$bin" ] || die "redis-server is not installed (Debian package redis-server; ./dev setup installs it as root)"
    if alive "$(redis_pid "$root")"; then
        return
    fi
    user=$(service_user redis)
    dir=$(service_dir "$root" redis "$user")
    port=$(free_port)
    password=$(secret)
    rm -f "$dir/redis.pid"
    cat > "$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
protected-mode yes
requirepass $password
daemonize yes
pidfile $dir/redis.pid
dir $dir
logfile $dir/redis.log
save ""
appendonly no
CONF
    chmod 600 "$dir/redis.conf"
    if [ "$(id -u)" = 0 ]; then chown -R "$user" "$dir"; fi
    if ! as_user "$user" "$bin" "$dir/redis.conf"; then
        tail -n 20 "$dir/redis.log" >&2 || true
        die "redis-server did not start"
    fi
    local i
    for ((i = 0; i < 200; i++)); do
        if [ "$(redis-cli -h 127.0.0.1 -p "$port" --no-auth-warning -a "$password" ping 2> /dev/null)" = PONG ]; then
            (umask 077; echo "redis://:$password@127.0.0.1:$port/0" > "$dir/url")
            return
        fi
        sleep 0.05
    done
    tail -n 20 "$dir/redis.log" >&2 || true
    die "redis-server did not answer on 127.0.0.1:$port"
}

start_postgres() {
    local root=$1 dir=$1/postgres bindir user port password
    bindir=$(pg_bindir)
    [ -n "$bindir" ] || die "PostgreSQL is not installed (Debian package postgresql; ./dev setup installs it as root)"
    if alive "$(pg_pid "$root")"; then
        return
    fi
    user=$(service_user postgres)
    dir=$(service_dir "$root" postgres "$user")
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        rm -rf "$dir/data"
        password=$(secret)
        (umask 077; echo "$password" > "$dir/password")
        [ "$(id -u)" != 0 ] || chown "$user" "$dir/password"
        if ! as_user "$user" "$bindir/initdb" -D "$dir/data" -U paysupport --pwfile="$dir/password" \
                -A scram-sha-256 -E UTF8 --locale=C --no-sync > "$dir/initdb.log" 2>&1; then
            tail -n 20 "$dir/initdb.log" >&2
            die "initdb failed"
        fi
        as_user "$user" tee -a "$dir/data/postgresql.conf" > /dev/null <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 100
CONF
    fi
    password=$(cat "$dir/password")
    port=$(free_port)
    if ! as_user "$user" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -o "-p $port" \
            -w -t 30 start > /dev/null; then
        tail -n 20 "$dir/postgres.log" >&2 || true
        die "PostgreSQL did not start"
    fi
    (umask 077; echo "postgresql://paysupport:$password@127.0.0.1:$port/postgres" > "$dir/url")
}

stop_redis() {
    local pid
    pid=$(redis_pid "$1")
    if alive "$pid"; then
        kill -TERM "$pid"
        reap "$pid" 10 || die "redis-server ($pid) is still running"
    fi
    rm -f "$1/redis/url"
}

stop_postgres() {
    local pid data
    pid=$(pg_pid "$1")
    if alive "$pid"; then
        data=$(readlink -f "$1/postgres/data")
        # fast: roll back the sessions, no waiting for clients
        as_user "$(stat -c %U "$data")" "$(pg_bindir)/pg_ctl" -D "$data" -m fast -w -t 20 stop \
            > /dev/null 2>&1 || true
        reap "$pid" 10 || die "PostgreSQL ($pid) is still running"
    fi
    rm -f "$1/postgres/url"
}

write_env() {
    local root=$1
    {
        [ ! -f "$root/redis/url" ] || echo "REDIS_URL=$(cat "$root/redis/url")"
        [ ! -f "$root/postgres/url" ] || echo "DATABASE_URL=$(cat "$root/postgres/url")"
    } > "$root/env.new"
    chmod 600 "$root/env.new"
    mv "$root/env.new" "$root/env"
}

services() {
    if [ $# -eq 0 ]; then
        echo redis postgres
    fi
    local name
    for name in "$@"; do
        case "$name" in
            redis | postgres) echo "$name" ;;
            *) usage ;;
        esac
    done
}

command=${1:-}
[ -n "$command" ] || usage
shift
if [ "$command" = install ]; then
    install_packages
    exit 0
fi
[ $# -ge 1 ] || usage
root=$1
shift
mkdir -p "$root"
root=$(cd "$root" && pwd)

case "$command" in
    start)
        for name in $(services "$@"); do "start_$name" "$root"; done
        write_env "$root"
        cat "$root/env"
        ;;
    stop | purge)
        for name in $(services "$@"); do
            "stop_$name" "$root"
            if [ "$command" = purge ] && [ -e "$root/$name" ]; then
                rm -rf "$(readlink -f "$root/$name")"
                rm -rf "${root:?}/$name"
            fi
        done
        write_env "$root"
        ;;
    status)
        code=0
        pid=$(redis_pid "$root")
        if alive "$pid"; then
            echo "redis: running (pid $pid) on $(sed 's/:[^:@]*@/:***@/' "$root/redis/url")"
        else
            echo "redis: stopped"; code=3
        fi
        pid=$(pg_pid "$root")
        if alive "$pid"; then
            echo "postgres: running (pid $pid) on $(sed 's/:[^:@]*@/:***@/' "$root/postgres/url")"
        else
            echo "postgres: stopped"; code=3
        fi
        exit "$code"
        ;;
    *)
        usage
        ;;
esac
