"""Health checks: does each service answer (operators), can this host serve citizens (load balancers)?"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from appeals_portal.celery import app as celery_app

logger = logging.getLogger(__name__)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("value written to the cache was not read back")
    cache.delete(key)
    return "ok"


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"  # no broker configured: tasks run in the web process
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}

# What a web host cannot serve citizens without. A dead cache or broker is
# survived (sessions and the captcha are in the database, rate limits fail
# open, letters wait in the outbox), so a load balancer must not take every
# host out of service for it: /health/ready/ fails only on these.
REQUIRED_FOR_SERVING = ("database",)


def _report() -> dict[str, str]:
    report: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except Exception as exc:  # any failure of a service is a finding, not a crash
            report[name] = "error"
            logger.warning("health check failed service=%s error=%r", name, exc)
    return report


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Report each service; answer 503 when any of them fails (for monitoring)."""
    report = _report()
    healthy = "error" not in report.values()
    return JsonResponse({"status": "ok" if healthy else "error", **report}, status=200 if healthy else 503)


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Report each service; answer 503 only when one the host cannot serve without fails (for load balancers)."""
    report = _report()
    serving = all(report[name] != "error" for name in REQUIRED_FOR_SERVING)
    status = "error" if not serving else "degraded" if "error" in report.values() else "ok"
    return JsonResponse({"status": status, **report}, status=200 if serving else 503)
