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


def test_production_settings_pass_the_deploy_check_but_for_the_documented_warning():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collectief.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "collectief.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=BASE, env=env, capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    warnings = sorted({line.split(")")[0].split("(")[-1] for line in output.splitlines() if "(security." in line})
    # W021 (HSTS preload) is a per-domain commitment an operator opts into: see README.
    assert warnings == ["security.W021"], output
    assert "security.W021" in (BASE / "README.md").read_text()


def test_every_environment_variable_the_settings_read_is_documented():
    import re

    settings_source = (BASE / "collectief" / "settings.py").read_text()
    names = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', settings_source))
    readme = (BASE / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert names and missing == []
