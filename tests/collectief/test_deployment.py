"""The files and settings a deployment relies on: docker-compose, production checks, Makefile."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

BASE = Path(__file__).resolve().parents[2]


def test_docker_compose_runs_postgres_redis_web_worker_and_beat():
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert "gunicorn collectief.wsgi:application" in services["web"]["command"]
    # Demo users (public password) only on request.
    assert "$$SEED_DEMO" in services["web"]["command"]
    assert services["web"]["environment"]["SEED_DEMO"] == "${SEED_DEMO:-false}"
    assert services["worker"]["command"].startswith("celery -A collectief worker")
    assert services["beat"]["command"].startswith("celery -A collectief beat")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].endswith("@postgres:5432/collectief")
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert set(services[name]["depends_on"]) == {"postgres", "redis"}


def test_docker_compose_refuses_to_start_without_a_secret_key_or_with_unsafe_settings():
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    # ${VAR:?message}: compose stops with the message when SECRET_KEY is not set; no default key.
    assert web["environment"]["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"
    assert "change-me" not in (BASE / "docker-compose.yml").read_text()
    assert web["environment"]["DEBUG"] == "${DEBUG:-false}"
    assert web["environment"]["EMAIL_BACKEND"] == "${EMAIL_BACKEND:-django.core.mail.backends.smtp.EmailBackend}"
    # The deploy check runs (errors stop the container) before anything is migrated or served.
    command = web["command"]
    assert command.index("manage.py check --deploy --fail-level ERROR &&") < command.index("migrate")


def test_gunicorn_access_log_has_no_query_strings():
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    command = compose["services"]["web"]["command"]
    dockerfile = (BASE / "Dockerfile").read_text()
    for text in (command, dockerfile):
        assert "--access-logformat" in text and "%(U)s" in text
        # %(r)s is the request line and %(q)s the query string; %(f)s the referer (a full URL).
        assert "%(r)s" not in text and "%(q)s" not in text and "%(f)s" not in text
        assert "--logger-class collectief.logging.GunicornLogger" in text.replace('", "', " ")


def test_production_settings_pass_the_deploy_check_but_for_the_documented_warning():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collectief.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "collectief.example.org",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=BASE, env=env, capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    warnings = sorted({line.split(")")[0].split("(")[-1] for line in output.splitlines() if "(security." in line})
    # W021 (HSTS preload) is a per-domain commitment an operator opts into: see README.
    assert warnings == ["security.W021"], output
    assert "security.W021" in (BASE / "README.md").read_text()
    assert "collectief.E0" not in output, output


def test_production_settings_pass_the_deploy_check_not_with_console_mail_or_a_placeholder_key():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collectief.settings",
        "DEBUG": "false",
        "SECRET_KEY": "django-insecure-development-only-key-change-me",
        "ALLOWED_HOSTS": "collectief.example.org",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=BASE, env=env, capture_output=True, text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "collectief.E001" in output and "collectief.E002" in output, output


def test_debug_is_off_unless_set_and_make_run_sets_it_for_development():
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    code = "from collectief import settings; print(settings.DEBUG)"
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
    assert "export DEBUG=${DEBUG:-true}" in RUN_SH.read_text()


def test_every_environment_variable_the_settings_read_is_documented():
    import re

    settings_source = (BASE / "collectief" / "settings.py").read_text()
    names = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', settings_source))
    readme = (BASE / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert names and missing == []


RUN_SH = BASE / "scripts" / "run.sh"


def _quick_start() -> str:
    readme = (BASE / "README.md").read_text()
    return readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]


def test_make_run_serves_on_port_and_prints_the_banner_once_the_server_listens():
    script = RUN_SH.read_text()
    assert 'PORT=${PORT:-8000}' in script
    assert 'runserver "$HOST:$PORT"' in script
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    assert "8000" not in code.replace("${PORT:-8000}", "")  # no other hard-coded port
    # The banner (URL and logins) comes after the loop that waits for the port to answer.
    wait_loop = script.index("for _ in $(seq")
    assert script.index('echo "Collectief runs on http://$HOST:$PORT') > wait_loop
    assert script.index('echo "$logins"') > wait_loop
    assert script.index("runserver") < wait_loop
    assert subprocess.run(["bash", "-n", str(RUN_SH)], capture_output=True).returncode == 0
    makefile = (BASE / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "PORT" in run_recipe and "scripts/run.sh" in run_recipe


def test_run_script_refuses_a_bad_or_taken_port_before_it_seeds_anything():
    import socket

    bad = subprocess.run(["bash", str(RUN_SH)], env={**os.environ, "PORT": "80a"}, capture_output=True, text=True)
    assert bad.returncode == 2 and "PORT must be a port number" in bad.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            ["bash", str(RUN_SH)], env={**os.environ, "PORT": str(port)}, capture_output=True, text=True, timeout=30
        )
    assert result.returncode == 1 and f"Port {port}" in result.stderr and "already in use" in result.stderr
    assert "Seeding" not in result.stdout


def test_readme_quick_start_says_what_to_set_on_a_shared_machine():
    quick_start = _quick_start()
    for name in ("PORT", "DATABASE_URL", "REDIS_URL", "CACHE_URL", "CELERY_QUEUE", "TEST_DB_SUFFIX"):
        assert f"`{name}`" in quick_start or f"{name}=" in quick_start, name
    assert "PORT=8001 make run" in quick_start
    assert "| `PORT` | `8000` |" in (BASE / "README.md").read_text()


def test_docker_compose_publishes_the_web_port_from_port():
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    assert compose["services"]["web"]["ports"] == ["${PORT:-8000}:8000"]
    assert "--bind 0.0.0.0:8000" in compose["services"]["web"]["command"]


def test_docker_compose_workers_scale_and_share_media_with_web_and_beat_runs_once():
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    services = compose["services"]
    worker = services["worker"]
    # `docker compose up --scale worker=N`: nothing that must be unique per container.
    for key in ("container_name", "ports", "hostname"):
        assert key not in worker, key
    assert "deploy" not in services["beat"] or services["beat"]["deploy"].get("replicas", 1) == 1
    # Workers render the PDFs the web nodes serve: the same media volume at the same MEDIA_ROOT.
    for name in ("web", "worker"):
        assert "media:/data/media" in services[name]["volumes"]
        assert services[name]["environment"]["MEDIA_ROOT"] == "/data/media"
        assert services[name]["environment"]["DATABASE_REPLICA_URL"] == "${DATABASE_REPLICA_URL:-}"
    deployment = (BASE / "docs" / "deployment.md").read_text()
    assert "--scale worker=" in deployment and "DATABASE_REPLICA_URL" in deployment


def test_the_replica_is_configured_only_when_its_url_is_set_and_never_migrated():
    code = (
        "from django.conf import settings; import django; django.setup(); "
        "from django.db import router; "
        "print(sorted(settings.DATABASES), settings.DATABASE_ROUTERS, "
        "settings.DATABASES.get('replica', {}).get('OPTIONS', {}).get('connect_timeout'), "
        "router.allow_migrate('replica', 'groups'), router.allow_migrate('default', 'groups'))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "collectief.settings"}
    env.pop("DATABASE_REPLICA_URL", None)
    without = subprocess.run([sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True)
    assert without.stdout.split() == ["['default']", "[]", "None", "True", "True"], without.stderr
    env["DATABASE_REPLICA_URL"] = "postgres://reader@replica.example:5432/collectief"
    with_replica = subprocess.run([sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True)
    assert with_replica.stdout.split() == [
        "['default',", "'replica']", "['collectief.db_router.ReplicaRouter']", "2", "False", "True"
    ], with_replica.stderr


def test_gunicorn_runs_with_the_settings_the_load_test_measured():
    """3 processes x 4 threads (gthread) in the Dockerfile and docker-compose, as `make loadtest`
    runs by default (docs/performance.md, "Load")."""
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    command = " ".join(compose["services"]["web"]["command"].replace("\\", " ").split())
    dockerfile = " ".join((BASE / "Dockerfile").read_text().replace("\\", " ").split()).replace('", "', " ")
    loadtest = (BASE / "scripts" / "loadtest.py").read_text()
    for text in (command, dockerfile):
        assert "--workers 3 --threads 4 --worker-class gthread --keep-alive 5" in text, text
    assert '"--gunicorn-workers", type=int, default=3' in loadtest
    assert '"--threads", type=int, default=4' in loadtest
    assert '"gthread" if args.threads > 1' in loadtest and '"--keep-alive", "5"' in loadtest


def test_object_storage_is_the_default_storage_only_when_a_bucket_is_set_and_compose_passes_it_on():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.core.files.storage import default_storage as s; s._setup(); "
        "print(type(s._wrapped).__name__, getattr(s._wrapped, 'bucket_name', '-'), "
        "getattr(s._wrapped, 'default_acl', '-'), getattr(s._wrapped, 'location', '-') or '-')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "collectief.settings"}
    for name in [key for key in env if key.startswith("MEDIA_S3_")]:
        env.pop(name)
    without = subprocess.run([sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True)
    assert without.stdout.split()[:3] == ["FileSystemStorage", "-", "-"], without.stderr
    env.update(MEDIA_S3_BUCKET="collectief-media", MEDIA_S3_ENDPOINT_URL="https://s3.example.nl",
               MEDIA_S3_PREFIX="/gemeente-x/")
    with_bucket = subprocess.run([sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True)
    assert with_bucket.stdout.split() == ["S3Storage", "collectief-media", "private", "gemeente-x"], with_bucket.stderr
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    for name in ("web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert environment["MEDIA_S3_BUCKET"] == "${MEDIA_S3_BUCKET:-}"
        assert environment["MEDIA_S3_ENDPOINT_URL"] == "${MEDIA_S3_ENDPOINT_URL:-}"
