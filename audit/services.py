"""Write audit rows. Services call these inside their own transaction."""

from collections.abc import Iterable

from django.db import models

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
    rows = []
    for target in targets:
        target_type, target_id = _key(target)
        rows.append(AccessLog(user=user, target_type=target_type, target_id=target_id, path=path[:300]))
    AccessLog.objects.bulk_create(rows)
    return len(rows)


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
    path = request.path[:300]  # not the query string: a search may be a child's name
    # One statement on PostgreSQL up to 10,000 children, a large school's roster export (SQLite
    # splits it at 999 variables).
    AccessLog.objects.bulk_create(
        [AccessLog(user=user, target_type=t, target_id=i, path=path) for t, i in keys], batch_size=10_000
    )
    return len(keys)
