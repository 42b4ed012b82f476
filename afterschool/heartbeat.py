"""When beat last ran: the one reading of the heartbeat for monitoring (/metrics, alerts).

Beat sends `notices.tasks.heartbeat` every minute (CELERY_BEAT_SCHEDULE["heartbeat"]); the worker
that runs it stores the time in the cache under notices.tasks.HEARTBEAT_KEY, so a fresh stamp proves
beat, the broker and a worker alive. /healthz reads the same key.
"""

from datetime import datetime

from django.core.cache import cache

from notices.tasks import HEARTBEAT_KEY


def beat_last_seen() -> datetime | None:
    """The time of the last heartbeat, or None before the first (or when the cache is unreachable)."""
    try:
        stamp = cache.get(HEARTBEAT_KEY)
    except Exception:  # Redis down: the broker's own gauge says so
        return None
    return datetime.fromisoformat(stamp) if stamp else None
