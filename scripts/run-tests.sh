#!/usr/bin/env bash
# Run the suite on SQLite, then on PostgreSQL when a server is reachable, then
# once more on SQLite with every process's clock moved years ahead.
# TEST_DATABASE_URL overrides the local default; REQUIRE_SERVICES=1 (CI) makes
# a missing PostgreSQL server or browser a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${TEST_DATABASE_URL:-postgres://undersigned:undersigned@127.0.0.1:5432/undersigned}
workers=${TEST_WORKERS:-2}

echo "== tests on SQLite"
start=$(date +%s)
env -u DATABASE_URL $BIN/pytest -n "$workers" -p no:cacheprovider "$@"
echo "== SQLite pass took $(( $(date +%s) - start ))s"

if DATABASE_URL=$PG_URL $BIN/python -c "
import os, sys, psycopg
from urllib.parse import urlsplit
u = urlsplit(os.environ['DATABASE_URL'])
try:
    psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username,
                    password=u.password, dbname='postgres', connect_timeout=3).close()
except Exception as error:
    print(f'PostgreSQL not reachable: {type(error).__name__}'); sys.exit(1)
"; then
  # Through PgBouncer in transaction-pooling mode, as a deployment past one
  # machine runs (docs/scaling.md): every query, and the workers and servers
  # the tests start, go through it (tests/pooler.py).
  pooling=()
  if command -v pgbouncer >/dev/null; then
    # Not 6432: Debian's packaged pgbouncer service listens there when it runs.
    port=${PGBOUNCER_PORT:-6439}
    PG_HOST=$(echo "$PG_URL" | sed -E 's#^[a-z]+://[^@]*@([^:/]+).*#\1#') \
    PG_PORT=$(echo "$PG_URL" | sed -E 's#^[a-z]+://[^@]*@[^:/]+:?([0-9]*)/.*#\1#') \
      bash scripts/pgbouncer.sh start "$port" "${TMPDIR:-/tmp}/undersigned-pgbouncer-$port"
    # Tests that cut database connections reach PostgreSQL directly (tests/pooler.py).
    pooling=(DATABASE_POOLING=transaction "DATABASE_DIRECT_URL=$PG_URL")
    PG_URL=$(echo "$PG_URL" | sed -E "s#@([^:/]+)(:[0-9]+)?/#@127.0.0.1:$port/#")
  elif [ "${REQUIRE_SERVICES:-0}" = 1 ]; then
    echo "PgBouncer is required here (REQUIRE_SERVICES=1) but not installed" >&2
    exit 1
  fi
  echo "== tests on PostgreSQL${pooling:+ through PgBouncer (transaction pooling)}"
  start=$(date +%s)
  env DATABASE_URL="$PG_URL" "${pooling[@]}" $BIN/pytest -n "$workers" -p no:cacheprovider "$@"
  echo "== PostgreSQL pass took $(( $(date +%s) - start ))s"
elif [ "${REQUIRE_SERVICES:-0}" = 1 ]; then
  echo "PostgreSQL is required here (REQUIRE_SERVICES=1) but not reachable" >&2
  exit 1
else
  echo "== PostgreSQL pass skipped: no server at $PG_URL"
fi

# The guard against tests that depend on the date: every Python process of this
# pass (pytest, its workers, the servers and workers the tests start) lives on
# a leap day years ahead, clock ticking (tests/clock/sitecustomize.py).
CLOCK=${TEST_CLOCK:-2032-02-29T10:00:00+00:00}
echo "== tests on SQLite with the clock moved to $CLOCK"
start=$(date +%s)
# Tests marked own_clock (minutes of simulated traffic on a clock they move
# themselves, from whatever now is) ran in the two passes above; not again here.
env -u DATABASE_URL PYTHONPATH=tests/clock UNDERSIGNED_TEST_CLOCK=$CLOCK \
  $BIN/pytest -n "$workers" -p no:cacheprovider -W ignore::pytest.PytestAssertRewriteWarning \
  -m "not own_clock" "$@"
echo "== clock-moved pass took $(( $(date +%s) - start ))s"
