#!/usr/bin/env bash
# Prepare a machine for Collectief: virtualenv, Python and npm packages, system packages,
# running PostgreSQL and Redis, the database, migrations and compiled translations.
# Usage: scripts/setup.sh [--browser]   (--browser also installs Debian's chromium for the tests)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_updated=""
apt_install() {
    [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

# System packages: gettext compiles the translations, Pango renders PDFs, chromium runs browser tests.
command -v msgfmt >/dev/null || apt_install gettext
ldconfig -p | grep -q libpango-1.0 || apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null; then
    apt_install chromium
fi

# Python packages, reinstalled whenever pyproject.toml changes.
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q ".[dev]"
    touch .venv/.installed
fi

# Front-end assets from npm (served by whitenoise; no CDN).
if [ ! -f node_modules/.installed ] || [ package.json -nt node_modules/.installed ]; then
    npm install --no-audit --no-fund --loglevel=error
    touch node_modules/.installed
fi

# Services: start them when installed but not running.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if command -v pg_ctlcluster >/dev/null; then
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start \
            || $SUDO service postgresql start
    else
        $SUDO service postgresql start
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /tmp --logfile /tmp/collectief-redis.log
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

.venv/bin/python scripts/ensure_database.py
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules
