"""/healthz for load balancers: database, broker and worker status as JSON; /healthz/proxy for
`manage.py deploy_check --url`: how a request arrived through the reverse proxy.

Answers 503 when the database or the broker is unreachable (this web process cannot do its work);
a stale worker heartbeat is reported but keeps 200, since the web process itself is healthy.
"""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from notices.tasks import HEARTBEAT_KEY

WORKER_STALE_AFTER_SECONDS = 180


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return f"down: {type(exc).__name__}"
    return "ok"


def broker_connection() -> Connection:
    """A short-timeout connection to the Celery broker (Redis, or the file broker of `make run`)."""
    return Connection(
        settings.CELERY_BROKER_URL,
        transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        connect_timeout=2,
    )


def broker_status() -> str:
    try:
        with broker_connection() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # refused, timed out, DNS: all "down"
        return f"down: {type(exc).__name__}"
    return "ok"


def worker_status() -> str:
    try:
        stamp = cache.get(HEARTBEAT_KEY)
    except Exception as exc:
        return f"unknown: {type(exc).__name__}"
    if not stamp:
        return "no heartbeat yet"
    age = (timezone.now() - datetime.fromisoformat(stamp)).total_seconds()
    return "ok" if age <= WORKER_STALE_AFTER_SECONDS else f"stale: last heartbeat {int(age)} s ago"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status(), "worker": worker_status()}
    healthy = checks["database"] == "ok" and checks["broker"] == "ok"
    return JsonResponse({"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503)


@never_cache
@require_GET
def healthz_proxy(request):
    """What the portal saw of the proxy in front: HTTPS or not, and the forwarding headers' shape.

    Exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT) so that a proxy which drops
    X-Forwarded-Proto is reported, not redirected in a loop. Carries no address, only counts."""
    forwarded_for = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    return JsonResponse(
        {
            "secure": request.is_secure(),
            "forwarded_proto": request.META.get("HTTP_X_FORWARDED_PROTO", "")[:10],
            "forwarded_for_hops": len(forwarded_for),
        }
    )
