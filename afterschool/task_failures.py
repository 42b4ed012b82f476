"""Failed Celery tasks counted in the shared cache, by task name (for /metrics).

Workers are separate processes, often on another machine, so the count cannot live in one process's
memory: Celery's task_failure signal (connected in afterschool/celery.py) adds one to a cache key
per task name, and /metrics reads the keys of every registered task at scrape time. The counters
never expire; a cache flush resets them, which Prometheus' rate() and increase() read as a restart.
"""

from django.core.cache import cache

KEY = "metrics:task-failures:{}"


def task_failed(sender=None, **_kwargs) -> None:
    """task_failure handler: one more failure of the sender's task. Never raises."""
    name = getattr(sender, "name", None) or "unknown"
    try:
        cache.add(KEY.format(name), 0, timeout=None)
        cache.incr(KEY.format(name))
    except Exception:  # the cache down must not hide the task's own error
        pass


def task_failure_counts(names) -> dict[str, int]:
    """{task name: failures counted} for these task names (0 for a task that never failed)."""
    stored = cache.get_many([KEY.format(name) for name in names])
    return {name: int(stored.get(KEY.format(name), 0)) for name in names}
