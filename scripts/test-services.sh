#!/usr/bin/env bash
# Make the test suite's outside parts available on this machine, when we can:
# Debian's Chromium (browser tests), axe-core from the npm registry (the
# accessibility checks the browser tests run) and a local PostgreSQL server
# (the second pass). On a machine where we are root with apt-get, missing parts are
# installed and started; elsewhere we say what will be skipped.
# With REQUIRE_SERVICES=1 (CI), anything missing is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

require=${REQUIRE_SERVICES:-0}
can_install=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then can_install=1; fi
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pg_ctlcluster >/dev/null || need+=(postgresql)
command -v npm >/dev/null || need+=(npm)
# The PostgreSQL pass runs through PgBouncer in transaction-pooling mode
# (scripts/run-tests.sh starts it; docs/scaling.md).
command -v pgbouncer >/dev/null || need+=(pgbouncer)

if [ ${#need[@]} -gt 0 ]; then
  if [ $can_install = 1 ]; then
    echo "test-services: installing ${need[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  elif [ "$require" = 1 ]; then
    echo "test-services: missing ${need[*]} and cannot install them" >&2; exit 1
  else
    echo "test-services: ${need[*]} not installed; those tests will be skipped"
  fi
fi

# axe-core, at the version tests/package-lock.json pins, into tests/node_modules
# (git-ignored); reinstalled only when the version there is not the pinned one.
wanted=$(sed -n 's/.*"axe-core": *"\([^"]*\)".*/\1/p' tests/package.json)
installed=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' tests/node_modules/axe-core/package.json 2>/dev/null | head -1 || true)
if [ "$installed" != "$wanted" ]; then
  if command -v npm >/dev/null && npm ci --prefix tests --ignore-scripts --no-audit --no-fund --loglevel=error; then
    echo "test-services: axe-core $wanted installed from npm into tests/node_modules"
  elif [ "$require" = 1 ]; then
    echo "test-services: could not install axe-core $wanted (npm ci --prefix tests)" >&2; exit 1
  else
    echo "test-services: axe-core $wanted not installed; the accessibility checks will be skipped"
  fi
fi

# PostgreSQL: reuse a server that answers; otherwise start the Debian cluster.
if [ -z "${TEST_DATABASE_URL:-}" ] && command -v pg_ctlcluster >/dev/null; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if [ $can_install = 1 ]; then
      version=$(ls /usr/lib/postgresql | sort -n | tail -1)
      pg_lsclusters -h | grep -q "^$version main" || pg_createcluster "$version" main >/dev/null
      pg_ctlcluster "$version" main start || true
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    fi
  fi
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && [ $can_install = 1 ]; then
    runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c "
      DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'undersigned') THEN
          CREATE ROLE undersigned LOGIN CREATEDB PASSWORD 'undersigned';
        END IF;
      END \$\$;" >/dev/null
  fi
fi
if [ "$require" = 1 ] && [ -z "${TEST_DATABASE_URL:-}" ]; then
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "test-services: PostgreSQL is not running" >&2; exit 1; }
fi
