"""The project around the apps: settings from the environment, the health
check, docker-compose.yml, and what README.md and the docs promise."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from appeals_portal import health

ROOT = Path(__file__).resolve().parent.parent
PORTAL_IMAGE_SERVICES = {"web", "worker", "beat"}


# --- Settings, loaded in a fresh interpreter with a controlled environment ---


def load_settings(tmp_path: Path, names: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings with only `env` set; print the `names` as JSON."""
    code = (
        "import json, django\n"
        "from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}, default=str))\n"
    )
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "appeals_portal.settings",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60, check=False
    )


def settings_values(tmp_path: Path, names: list[str], **env: str) -> dict:
    result = load_settings(tmp_path, names, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = load_settings(tmp_path, ["SECRET_KEY"], PORTAL_ENV="production")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_development_key_is_generated_once_and_kept(tmp_path):
    first = settings_values(tmp_path, ["SECRET_KEY"])["SECRET_KEY"]
    second = settings_values(tmp_path, ["SECRET_KEY"])["SECRET_KEY"]

    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "var" / "secret_key").read_text().strip() == first


def test_debug_is_off_by_default(tmp_path):
    assert settings_values(tmp_path, ["DEBUG"])["DEBUG"] is False
    assert settings_values(tmp_path, ["DEBUG"], DEBUG="1")["DEBUG"] is True


def test_malformed_boolean_is_a_clear_error(tmp_path):
    result = load_settings(tmp_path, ["DEBUG"], DEBUG="maybe")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_without_database_url_the_database_is_sqlite_in_the_var_dir(tmp_path):
    db = settings_values(tmp_path, ["DATABASES"])["DATABASES"]["default"]

    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "var" / "db.sqlite3")


def test_database_url_switches_to_postgresql(tmp_path):
    values = settings_values(tmp_path, ["DATABASES"], DATABASE_URL="postgres://portal:secret@db.example:5433/appeals")
    db = values["DATABASES"]["default"]

    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.example", 5433, "appeals", "portal")


def test_celery_runs_tasks_in_process_without_a_broker(tmp_path):
    assert settings_values(tmp_path, ["CELERY_TASK_ALWAYS_EAGER"])["CELERY_TASK_ALWAYS_EAGER"] is True

    values = settings_values(
        tmp_path, ["CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL"], CELERY_BROKER_URL="redis://127.0.0.1:6379/0"
    )
    assert values == {"CELERY_TASK_ALWAYS_EAGER": False, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}


def test_cache_url_selects_redis(tmp_path):
    assert "LocMemCache" in settings_values(tmp_path, ["CACHES"])["CACHES"]["default"]["BACKEND"]

    cache = settings_values(tmp_path, ["CACHES"], CACHE_URL="redis://127.0.0.1:6379/1")["CACHES"]["default"]
    # django-redis, ignoring a Redis that is down (issue 8: a cache outage never reaches a citizen).
    assert cache["BACKEND"] == "django_redis.cache.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert cache["OPTIONS"]["IGNORE_EXCEPTIONS"] is True


def test_secret_key_file_is_read(tmp_path):
    key_file = tmp_path / "secret_key.txt"
    key_file.write_text("a-key-from-a-mounted-secret-file\n", encoding="utf-8")

    values = settings_values(tmp_path, ["SECRET_KEY"], PORTAL_ENV="production", SECRET_KEY_FILE=str(key_file))

    assert values["SECRET_KEY"] == "a-key-from-a-mounted-secret-file"


def test_unreadable_secret_file_is_a_clear_error(tmp_path):
    result = load_settings(tmp_path, ["SECRET_KEY"], SECRET_KEY_FILE=str(tmp_path / "missing"))

    assert result.returncode != 0
    assert "SECRET_KEY_FILE=" in result.stderr
    assert "cannot be read" in result.stderr


SECURITY = ["SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
            "SECURE_PROXY_SSL_HEADER"]  # fmt: skip


def test_https_turns_on_hsts_and_secure_cookies(tmp_path):
    values = settings_values(tmp_path, SECURITY, HTTPS="1")

    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_development_is_plain_http_and_production_https_by_default(tmp_path):
    development = settings_values(tmp_path, SECURITY)
    assert development["SECURE_HSTS_SECONDS"] == 0
    assert development["SESSION_COOKIE_SECURE"] is False

    production = settings_values(tmp_path, SECURITY, PORTAL_ENV="production", SECRET_KEY="x" * 50)
    assert production["SECURE_HSTS_SECONDS"] > 0
    assert production["SESSION_COOKIE_SECURE"] is True


def test_unknown_portal_env_is_refused(tmp_path):
    result = load_settings(tmp_path, ["DEBUG"], PORTAL_ENV="staging")

    assert result.returncode != 0
    assert "PORTAL_ENV must be" in result.stderr


# --- The health check ---------------------------------------------------------


@pytest.mark.django_db
def test_health_reports_each_service(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "eager"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_answers_503_when_a_service_fails(client, monkeypatch):
    def broken_cache() -> str:
        raise ConnectionError("cache is down")

    monkeypatch.setitem(health.CHECKS, "cache", broken_cache)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["cache"] == "error"
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_readiness_survives_a_failing_cache_and_broker(client, monkeypatch):
    """A load balancer must not take every host out for an outage the portal survives."""
    def broken() -> str:
        raise ConnectionError("down")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    monkeypatch.setitem(health.CHECKS, "broker", broken)

    response = client.get("/health/ready/")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "error", "broker": "error"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_fails_without_the_database(client, monkeypatch):
    def broken() -> str:
        raise ConnectionError("database is down")

    monkeypatch.setitem(health.CHECKS, "database", broken)

    response = client.get("/health/ready/")

    assert response.status_code == 503
    assert response.json()["status"] == "error"


# --- docker-compose.yml -------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_compose_has_the_production_stack(compose):
    services = compose["services"]

    assert set(services) >= {"db", "redis", "mailpit", "web", "worker", "beat"}
    assert services["db"]["image"].startswith("postgres:15")
    assert "pg_isready" in str(services["db"]["healthcheck"]["test"])
    assert services["redis"]["image"].startswith("redis:7")
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    mailpit_ports = " ".join(map(str, services["mailpit"]["ports"]))
    assert "8025:8025" in mailpit_ports
    assert "1025:1025" in mailpit_ports


def test_compose_web_migrates_then_serves_with_gunicorn(compose):
    web = compose["services"]["web"]
    command = command_of(web)

    assert "manage.py migrate" in command
    assert command.index("migrate") < command.index("gunicorn appeals_portal.wsgi")
    assert "--bind 0.0.0.0:8000" in command
    assert any(str(port).endswith("8000:8000") for port in web["ports"])
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "/health/" in str(web["healthcheck"]["test"])


def test_compose_worker_and_beat_run_celery(compose):
    services = compose["services"]

    assert re.search(r"\bcelery -A appeals_portal worker\b", command_of(services["worker"]))
    assert re.search(r"\bcelery -A appeals_portal beat\b", command_of(services["beat"]))


def test_compose_portal_services_share_settings(compose):
    for name in PORTAL_IMAGE_SERVICES:
        service = compose["services"][name]
        env = environment_of(service)
        assert service["build"] == "."
        assert env["PORTAL_ENV"] == "production", name
        assert env["SECRET_KEY"].startswith("${SECRET_KEY"), f"{name}: the key must come from the environment"
        assert "@db:5432/" in env["DATABASE_URL"], name
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/"), name
        assert env["CACHE_URL"].startswith("redis://redis:6379/"), name
        assert env["EMAIL_HOST"] == "mailpit", name
        assert env["EMAIL_PORT"] == "1025", name


def test_compose_web_and_worker_share_the_private_files(compose):
    def private_volume(name: str) -> str:
        service = compose["services"][name]
        root = environment_of(service)["PRIVATE_STORAGE_ROOT"]
        mounts = [str(v).split(":") for v in service["volumes"]]
        (volume,) = [source for source, target, *_ in mounts if target == root]
        return volume

    assert private_volume("web") == private_volume("worker")
    assert private_volume("web") in compose["volumes"]


def test_dockerfile_runs_gunicorn_as_an_unprivileged_user():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")

    assert re.search(r"^FROM python:3\.11-slim-bookworm", dockerfile, re.M)
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert "collectstatic" in dockerfile
    assert '"gunicorn", "appeals_portal.wsgi"' in dockerfile


# --- README.md and docs -------------------------------------------------------


def test_readme_sets_up_with_make_run_and_make_test():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Set up\b.*?(?=^## )", readme, re.M | re.S)
    assert section, "README.md has no '## Set up' section"
    block = re.search(r"^```[a-z]*\n(.*?)^```", section.group(0), re.M | re.S)
    assert block, "the set-up section has no code block"

    commands = [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]

    assert commands == ["make run", "make test"]


def test_every_environment_variable_of_the_settings_is_documented():
    source = (ROOT / "appeals_portal" / "settings.py").read_text(encoding="utf-8")
    variables = set(re.findall(r"\benv_(?:str|bool|int|list)\(\s*\"([A-Z0-9_]+)\"", source))
    documented = set(re.findall(r"`([A-Z0-9_]+)`", (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")))

    assert variables, "no env_* calls found in settings.py"
    assert sorted(variables - documented) == []


def test_ci_script_is_executable():
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


@pytest.mark.django_db
def test_health_reports_a_broker_that_does_not_answer(client, settings):
    from tests.conftest import point_celery_at

    settings.CELERY_TASK_ALWAYS_EAGER = False
    point_celery_at("redis://127.0.0.1:9/0")  # nothing listens there
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["broker"] == "error"
