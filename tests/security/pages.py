"""The project's pages with identifiers a user may open: the machinery shared by the URL matrix
tests (tests/security/test_url_matrix.py, test_csrf_and_get.py, test_malformed_input.py) and the
query-growth bench (bench/query_growth.py). A plain module, not a test module, so both may import it."""

from tests.schools.test_url_scope import OBJECT_KWARGS
from tests.security import url_matrix


def all_patterns():
    """Every named URL of the project outside Django admin, with its identifier kwargs."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                if (p.namespace or namespace) == "admin":
                    continue
                walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])) or None)
            elif isinstance(p, URLPattern) and p.name:
                found.append((f"{namespace}:{p.name}" if namespace else p.name, list(p.pattern.converters)))

    walk(get_resolver().url_patterns, None)
    return found


def inside(user, kwarg):
    """An identifier of the first object of this kind the user sees, or None."""
    model, field, visible = OBJECT_KWARGS[kwarg]
    obj = visible(user).order_by("pk").first()
    return None if obj is None else getattr(obj, field)


def matrix_patterns():
    """The URLs the matrix classifies: all but those of namespaces still pending classification."""
    return [
        (name, kwargs)
        for name, kwargs in all_patterns()
        if name.split(":")[0] not in url_matrix.PENDING_NAMESPACES or name in url_matrix.URLS
    ]


def special_values(name, user):
    """In-scope identifiers for pages that need a particular kind of object, or None."""
    from activities import selectors as activity_selectors
    from safety import selectors_records
    from safety.selectors import attendance

    if name in ("activities:activity-checklist", "safety:offcampus-activity"):
        activity = activity_selectors.activities_for(user).filter(off_campus=True).order_by("pk").first()
        return activity and {"activity_code": activity.code}
    if name == "safety:plan-document":
        plan = selectors_records.plans_for(user).exclude(document="").order_by("pk").first()
        return plan and {"plan_code": plan.code}
    if name == "safety:release-child":
        for session in attendance.sessions_for(user).order_by("-date", "pk")[:20]:
            roster = attendance.roster(session, with_refusals=True)
            if roster.children:
                return {"session_code": session.code, "student_code": roster.children[0].student.code}
        return None
    return False
