"""Who may call which API endpoint: every named URL under /api/, classified (the twin of
tests/support/url_matrix.py for the pages).

"public" needs no token; otherwise the set of roles whose demo persona may call it (the role names
and personas of url_matrix). tests/api/test_api_matrix.py walks the URL resolver: an endpoint not
classified here fails it; every endpoint that takes an identifier is called by every persona of
tests/support/url_scope.PERSONAS with identifiers outside its scope (404, nothing changed), and each
role is refused (404) every endpoint not meant for it. An identifier keyword must be known to
tests/support/url_patterns.OBJECT_KWARGS. The staff endpoints only add rows here.
"""

from django.urls import URLPattern, URLResolver, get_resolver

from tests.support.url_matrix import (  # noqa: F401  (FAMILY: the parent rows)
    CLASS_TEACHER,
    EVERYONE,
    FAMILY,
    GATE_GUARD,
    SCHOOL_ADMIN,
    TEACHERS,
)

PUBLIC = "public"
NAMESPACE = "api"

ENDPOINTS = {
    # --- schema and docs: they describe the API and hold no data
    "api:schema": PUBLIC,
    "api:docs": PUBLIC,
    # --- every role: sign in, devices, inbox, profile
    "api:token-create": PUBLIC,
    "api:token-revoke": EVERYONE,
    "api:device-list": EVERYONE,
    "api:device-revoke": EVERYONE,
    "api:inbox": EVERYONE,
    "api:notification-read": EVERYONE,
    "api:profile": EVERYONE,
    "api:profile-wechat": EVERYONE,
    # --- the parent's journeys
    "api:parent-children": FAMILY,
    "api:parent-notice-acknowledge": FAMILY,
    "api:parent-application-create": FAMILY,
    "api:parent-application-list": FAMILY,
    "api:parent-application-update": FAMILY,
    "api:parent-application-withdraw": FAMILY,
    "api:parent-leave-create": FAMILY,
    "api:parent-leave-cancel": FAMILY,
    "api:parent-survey": FAMILY,
    "api:parent-placement": FAMILY,
    "api:parent-attendance": FAMILY,
    "api:parent-pickups": FAMILY,
    "api:parent-pickup-end": FAMILY,
    "api:parent-pickup-code": FAMILY,
    # --- staff: service teachers' sessions, roll call, handover, release (as safety's pages)
    "api:staff-today": TEACHERS,
    "api:staff-session": TEACHERS,
    "api:staff-roll-call": TEACHERS,
    "api:staff-release-child": TEACHERS,
    "api:staff-release": TEACHERS,
    "api:staff-handover-confirm": TEACHERS,
    # --- staff: class teachers' review (as enrollment's review pages) and class handover
    "api:staff-review": frozenset({CLASS_TEACHER}),
    "api:staff-review-decide": frozenset({CLASS_TEACHER}),
    "api:staff-classes": frozenset({CLASS_TEACHER, SCHOOL_ADMIN}),
    "api:staff-class-handover": frozenset({CLASS_TEACHER, SCHOOL_ADMIN}),
    # --- staff: the gate's pick-up check
    "api:staff-pickup-check": frozenset({GATE_GUARD, SCHOOL_ADMIN}),
}

# POSTs that take no body (an action on the object the URL names): the schema test expects no
# request body for them, and one for every other POST, PUT and PATCH.
BODYLESS = {
    "api:token-revoke",
    "api:device-revoke",
    "api:notification-read",
    "api:parent-application-withdraw",
    "api:parent-leave-cancel",
    "api:parent-pickup-end",
    "api:parent-pickup-code",
}

METHODS = ("get", "post", "put", "patch", "delete")


def api_patterns(with_routes: bool = False):
    """(name, identifier kwargs, view callback) of every named URL in the api namespace; with
    `with_routes`, also its route ('/api/v1/devices/<uuid:device_code>/revoke/')."""
    found = []

    def walk(patterns, namespace, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])) or None, route)
            elif isinstance(p, URLPattern) and p.name and namespace and namespace.split(":")[0] == NAMESPACE:
                row = (f"{namespace}:{p.name}", list(p.pattern.converters), p.callback)
                found.append((*row, "/" + route) if with_routes else row)

    walk(get_resolver().url_patterns, None, "")
    return found


def methods_of(callback) -> list[str]:
    """The HTTP methods a DRF view answers (lower case), OPTIONS and HEAD aside."""
    cls = getattr(callback, "cls", None)
    if cls is None:
        return ["get"]
    return [m for m in METHODS if m in cls.http_method_names and hasattr(cls, m)]
