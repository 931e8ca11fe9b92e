#!/usr/bin/env bash
# Start a PgBouncer in transaction-pooling mode on 127.0.0.1:PORT in front of
# the PostgreSQL server at PG_HOST:PG_PORT (default 127.0.0.1:5432), every
# database name passed through (a wildcard entry: the test suite creates and
# drops databases of its own). Its files live in DIR. Used by
# scripts/test-services.sh (the suite's PostgreSQL pass) and bench/run.py
# (--topology multi); docs/scaling.md has the production counterpart.
#   scripts/pgbouncer.sh start PORT DIR [POOL_SIZE]   (returns once it answers)
#   scripts/pgbouncer.sh stop DIR
set -euo pipefail
action=$1
case "$action" in
  start)
    port=$2 dir=$3 pool=${4:-20}
    mkdir -p "$dir"
    # The role the application uses; PgBouncer answers SCRAM with it and logs
    # in to PostgreSQL the same way.
    echo '"undersigned" "undersigned"' > "$dir/userlist.txt"
    cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=${PG_HOST:-127.0.0.1} port=${PG_PORT:-5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 1000
server_reset_query =
server_idle_timeout = 30
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
log_connections = 0
log_disconnections = 0
INI
    # PgBouncer refuses to run as root: as root it runs as postgres.
    as=()
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; as=(-u postgres); fi
    if [ -f "$dir/pgbouncer.pid" ] && kill -0 "$(cat "$dir/pgbouncer.pid")" 2>/dev/null; then
      kill -HUP "$(cat "$dir/pgbouncer.pid")"   # already running: reload the configuration
    else
      pgbouncer -d "${as[@]}" "$dir/pgbouncer.ini"
    fi
    for _ in $(seq 1 50); do
      pg_isready -q -h 127.0.0.1 -p "$port" -U undersigned -d postgres 2>/dev/null && exit 0
      sleep 0.1
    done
    echo "pgbouncer: not answering on 127.0.0.1:$port; see $dir/pgbouncer.log" >&2
    exit 1
    ;;
  stop)
    dir=$2
    if [ -f "$dir/pgbouncer.pid" ]; then
      pid=$(cat "$dir/pgbouncer.pid")
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    fi
    ;;
  *) echo "usage: $0 start PORT DIR [POOL_SIZE] | stop DIR" >&2; exit 2 ;;
esac
