#!/usr/bin/env bash
# Run the web server, a Celery worker and Celery beat in one foreground command; Ctrl-C stops all.
#
# PORT (default 8000) is the web server's port. On a machine shared with others, also give this copy
# its own DATABASE_URL, REDIS_URL (or CACHE_URL) and CELERY_QUEUE: see "Quick start" in README.md.
# The URL and the demo logins are printed once the web server accepts connections.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8000}
HOST=127.0.0.1
# Local development: debug pages and plain http (settings.py defaults to DEBUG off, for production).
export DEBUG=${DEBUG:-true}
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
    echo "PORT must be a port number (1-65535), not '$PORT'." >&2
    exit 2
fi
listening() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }
if listening; then
    echo "Port $PORT on $HOST is already in use (someone else's server?). Choose another: PORT=8001 make run" >&2
    exit 1
fi

echo "Seeding the demo data (manage.py seed_demo) ..."
logins=$(.venv/bin/python manage.py seed_demo)

pids=()
cleanup() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup INT TERM EXIT
# A node name of its own: two copies on one Redis would otherwise both be "celery@<host>".
.venv/bin/celery -A collectief worker --loglevel=INFO --concurrency=2 -n "collectief-$PORT@%h" & pids+=($!)
.venv/bin/celery -A collectief beat --loglevel=INFO & pids+=($!)
.venv/bin/python manage.py runserver "$HOST:$PORT" & web=$!
pids+=("$web")

# The banner only once the server listens, so that the URL printed is one that answers.
for _ in $(seq 1 120); do
    listening && break
    kill -0 "$web" 2>/dev/null || { echo "The web server stopped before it listened on port $PORT." >&2; exit 1; }
    sleep 0.5
done
if listening; then
    echo
    echo "Collectief runs on http://$HOST:$PORT  (Ctrl-C stops web, worker and beat)"
    echo "$logins"
    echo
else
    echo "The web server did not listen on port $PORT within a minute; see its output above." >&2
fi
wait -n "${pids[@]}"
