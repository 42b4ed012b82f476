"""Bureau reads on a PostgreSQL streaming replica (F18): a database router and the switch for it.

With `DATABASE_REPLICA_URL` set, settings add the `replica` database and this router. Reads go to
the replica only inside `replica_reads()` (or a view wrapped by `@bureau_reads`): the bureau's
dashboards, rankings, scores and the building of generated reports, which may lag the primary by
a moment. Everything else reads the primary, so a page that shows what its user just wrote
(read-your-write) stays correct; every write goes to the primary, wherever its instance came from.
"""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections
from django.utils.connection import ConnectionDoesNotExist

REPLICA = "replica"
PRIMARY = "default"
_on_replica: ContextVar[bool] = ContextVar("bureau_reads_on_replica", default=False)


def replica_configured() -> bool:
    try:
        connections[REPLICA]
    except ConnectionDoesNotExist:
        return False
    return True


@contextmanager
def replica_reads():
    """Reads inside go to the replica when one is configured (nothing changes otherwise)."""
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


def bureau_reads(view):
    """A read-only bureau page whose data may come from the replica."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _on_replica.get() and replica_configured() else PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
