#!/usr/bin/env bash
# Run the web server, a Celery worker and Celery beat in one foreground command; Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python manage.py seed_demo
pids=()
cleanup() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup INT TERM EXIT
.venv/bin/celery -A collectief worker --loglevel=INFO --concurrency=2 & pids+=($!)
.venv/bin/celery -A collectief beat --loglevel=INFO & pids+=($!)
echo
echo "Collectief runs on http://127.0.0.1:8000  (demo logins above; Ctrl-C stops web, worker and beat)"
echo
.venv/bin/python manage.py runserver 127.0.0.1:8000 & pids+=($!)
wait -n "${pids[@]}"
