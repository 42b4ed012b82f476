"""Write audit rows. Services call these inside their own transaction."""

from collections.abc import Iterable

from django.db import connections, models, router
from django.utils import timezone

from audit.models import AccessLog, AuditEvent


def _key(target: models.Model) -> tuple[str, str]:
    # Public records carry a UUID code; prefer it so that logs never expose sequential ids.
    ident = getattr(target, "code", None) or target.pk
    return target._meta.label_lower, str(ident)


def record(*, actor, verb: str, target: models.Model, changes: dict | None = None) -> AuditEvent:
    """Append one audit event. Raises nothing of its own."""
    target_type, target_id = _key(target)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        target_repr=str(target)[:200],
        changes=changes or {},
    )


def access_record(*, user, target: models.Model, path: str) -> AccessLog:
    """Append one access-log row for a view of a child's record. Raises nothing of its own."""
    target_type, target_id = _key(target)
    return AccessLog.objects.create(user=user, target_type=target_type, target_id=target_id, path=path[:300])


# --- several children on one page: one insert -----------------------------------------------------


def access_record_many(*, user, targets: list[models.Model], path: str) -> int:
    """One access-log row per target in one insert (a page that shows several children's data,
    e.g. the gate's look-up). Raises nothing of its own."""
    return _access_rows(user_id=user.pk, keys=[_key(t) for t in targets], path=path)


# At most this many rows a statement: one INSERT on PostgreSQL up to a large school's roster export
# (5 parameters a row, under its 65,535); SQLite splits at its 999 variables.
ACCESS_ROWS_A_STATEMENT = 10_000


def _access_rows(*, user_id: int, keys: list[tuple[str, str]], path: str) -> int:
    """Insert the access-log rows (user, record type, record id, path, now) as plain tuples: one
    INSERT a batch, no model instance a row (a board shows 200 children)."""
    if not keys:
        return 0
    meta = AccessLog._meta
    connection = connections[router.db_for_write(AccessLog)]
    at = meta.get_field("at").get_db_prep_value(timezone.now(), connection)
    path = path[:300]
    quote = connection.ops.quote_name
    fields = ("user", "target_type", "target_id", "path", "at")
    columns = ", ".join(quote(meta.get_field(f).column) for f in fields)
    size = ACCESS_ROWS_A_STATEMENT
    if connection.features.max_query_params:
        size = min(size, connection.features.max_query_params // 5)
    with connection.cursor() as cursor:
        for start in range(0, len(keys), size):
            batch = keys[start : start + size]
            params = [p for kind, ident in batch for p in (user_id, kind, ident, path, at)]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch)),
                params,
            )
    return len(keys)


# --- the access log of every page that shows children's data --------------------------------------

STUDENT = "schools.student"


def access_log(*, request, targets: Iterable[models.Model] = (), student_codes: Iterable = ()) -> int:
    """PIPL: the page of `request` showed these records (a child, an application …) and the
    children whose public codes are `student_codes`. One row per distinct record, all in one
    insert, whatever the page's size; nothing for an anonymous request, nor for a POST (a form
    shown again with its errors follows the GET that logged the same children; the service a POST
    calls writes its own audit row). Raises nothing of its own.

    Every view of a child's data calls this once with what it rendered (lists, roll call, board,
    exports); the Django admin does it through audit.admin.AccessLoggedAdmin. The guardian's page
    "who viewed my child" (schools.selectors_access_log.child_access_log) reads the `schools.student` rows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.method not in ("GET", "HEAD"):
        return 0
    keys = dict.fromkeys([_key(t) for t in targets] + [(STUDENT, str(c)) for c in student_codes])
    # The path, not the query string: a search may be a child's name.
    return _access_rows(user_id=user.pk, keys=list(keys), path=request.path)
