"""The account state of a signed-in user, kept in the shared cache so that a request's fixed cost
is no query at all once the cache is warm (F18): the user row, and the rows every request needs
before any view runs (memberships, guardian, children, consent), read in ONE query. A cold request
costs at most two queries, also when the cache lost the session (the session row; the user row
joined to the UNION of the facts).

Invalidation: one version stamp per user and one for everyone, both in the cache (Redis in
production, the file cache of `make run`; never one process's memory). The state is stored with
the stamps it was read with, and used only while they are the current ones, so bumping a stamp
makes every process read afresh on its next request, and a state read while a change commits
carries the old stamp, never the new one. The stamps and the state come in one cache round trip
(the state's key is the user's alone), so a warm request costs the session's read and this one.

- Every save or delete of a watched model bumps the stamps it concerns: the hooks are in this one
  module, connected for the models named in settings.ACCOUNT_STATE_WATCH (the admin and the
  services alike).
- Services that write those models with `QuerySet.update()` or `bulk_create()` (no hooks run)
  call `bump()` themselves.
- A bump happens at once and again after the transaction commits, so that a request that read the
  old rows before the commit cannot keep them.

The facts themselves come from the functions named in settings.ACCOUNT_STATE_SOURCES: each returns
a list of values_list querysets of (kind, text, a, b) rows for a user id (see `columns`); they are sent as
one UNION query and handed back grouped by kind (`facts`).
"""

import functools
import hashlib
import uuid
from collections import defaultdict

from django.apps import apps
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import BigIntegerField, CharField, F, Value
from django.db.models.functions import Cast
from django.db.models.signals import post_save, pre_delete
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string

EVERYONE = "acct:all"
TIMEOUT = 60 * 60  # a state nobody asked for within the hour leaves the cache
EVERYONE_MARK = "*"


def _user_key(user_id) -> str:
    return f"acct:u:{user_id}"


def _new_stamp() -> str:
    return uuid.uuid4().hex[:12]


# --- Stamps -------------------------------------------------------------------------------------


def stamp(user_id) -> str:
    """The current stamps for the user: everyone's and the user's own, in one cache round trip. A
    stamp the cache lost is replaced by a new one (never a default), so nothing stored under an
    earlier stamp comes back."""
    return _stamp_and_entry(user_id, entry=False)[0]


def _stamp_and_entry(user_id, *, entry: bool = True) -> tuple[str, object]:
    """The stamps and (with `entry`) the cached state, in ONE cache round trip: the state's key
    does not depend on the stamps, the stamps it was read under are stored with it."""
    keys = [EVERYONE, _user_key(user_id)]
    found = cache.get_many([*keys, _entry_key(user_id)] if entry else keys)
    for key in keys:
        if key not in found:
            cache.add(key, _new_stamp(), timeout=None)
            found[key] = cache.get(key)
    return f"{found[EVERYONE]}.{found[_user_key(user_id)]}", found.get(_entry_key(user_id))


def bump(*user_ids) -> None:
    """The state of these users changed: every process reads it afresh on its next request."""
    ids = {int(pk) for pk in user_ids if pk is not None}
    if not ids:
        return

    def now():
        cache.set_many({_user_key(pk): _new_stamp() for pk in ids}, timeout=None)

    _now_and_on_commit(now)


def bump_everyone() -> None:
    """A change that concerns every account (a new privacy notice, a region's reporting chain)."""

    def now():
        cache.set(EVERYONE, _new_stamp(), timeout=None)

    _now_and_on_commit(now)


def _now_and_on_commit(bump_now) -> None:
    bump_now()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(bump_now)


# --- The facts: one query -------------------------------------------------------------------------


def columns(queryset, kind: str, *, text=None, a=None, b=None):
    """A source's rows in the shape of the UNION: (kind, text, a, b); text a string field path,
    a and b integer field paths, each or None."""
    return (
        queryset.order_by()
        .annotate(
            acct_kind=Value(kind, output_field=CharField()),
            acct_text=Cast(F(text), CharField()) if text else Cast(Value(None), CharField()),
            acct_a=Cast(F(a), BigIntegerField()) if a else Cast(Value(None), BigIntegerField()),
            acct_b=Cast(F(b), BigIntegerField()) if b else Cast(Value(None), BigIntegerField()),
        )
        .values_list("acct_kind", "acct_text", "acct_a", "acct_b")
    )


def _facts_query(user_id):
    sources = [qs for path in settings.ACCOUNT_STATE_SOURCES for qs in import_string(path)(user_id)]
    return sources[0].union(*sources[1:], all=True) if len(sources) > 1 else sources[0]


def _grouped(rows) -> dict:
    grouped = defaultdict(list)
    for kind, text, a, b in rows:
        if kind is not None:
            grouped[kind].append((text, a, b))
    return dict(grouped)


def read_facts(user_id) -> dict:
    """Every source's rows for the user in one query, grouped by kind: {kind: [(text, a, b), …]}."""
    return _grouped(_facts_query(user_id))


def read_user_and_facts(user_id):
    """The user row and every source's rows in ONE query: the user LEFT JOINed to the UNION of the
    facts (one row per fact, or one row of NULL facts). (None, {}) when no such user."""
    model = auth.get_user_model()
    pk = model._meta.pk.to_python(user_id)
    db = router.db_for_read(model)
    union = _facts_query(pk).query
    union_sql, union_params = union.get_compiler(using=db).as_sql()
    qn = connections[db].ops.quote_name
    sql = (
        f"SELECT acct_u.*, acct_f.acct_kind, acct_f.acct_text, acct_f.acct_a, acct_f.acct_b "
        f"FROM {qn(model._meta.db_table)} acct_u LEFT JOIN ({union_sql}) acct_f ON 1 = 1 "
        f"WHERE acct_u.{qn(model._meta.pk.column)} = %s"
    )
    rows = list(model._default_manager.raw(sql, (*union_params, pk)).using(db))
    if not rows:
        return None, {}
    found = _grouped((r.acct_kind, r.acct_text, r.acct_a, r.acct_b) for r in rows)
    user = rows[0]
    for name in ("acct_kind", "acct_text", "acct_a", "acct_b"):
        delattr(user, name)
    return user, found


def facts(user) -> dict | None:
    """The facts of the state the request loaded with the user (see `request_user`), or None for a
    user that did not come through it (a service, a task, a test's own object): read afresh then."""
    return getattr(user, "_account_facts", None)


# --- The user of a request ----------------------------------------------------------------------


def _entry_key(user_id) -> str:
    return f"acct:e:{_sources_tag()}:{user_id}"


@functools.cache
def _sources_tag() -> str:
    """A state read by other sources (another release) is not this one's: its key differs."""
    return hashlib.sha256(repr(settings.ACCOUNT_STATE_SOURCES).encode()).hexdigest()[:8]


def request_user(request):
    """django.contrib.auth.get_user with the user and its facts from the cache. The session hash is
    checked as Django does; anything unusual (no session user, a hash that does not match, a
    session from before a secret's rotation) goes through Django's own get_user."""
    session = request.session
    user_id = session.get(auth.SESSION_KEY)
    backend = session.get(auth.BACKEND_SESSION_KEY)
    if user_id is None or backend not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    stamps, entry = _stamp_and_entry(user_id)
    if entry is not None and entry[0] == stamps:  # read under the current stamps: still good
        _stamps, user, found = entry
        session_hash = session.get(auth.HASH_SESSION_KEY)
        if session_hash and constant_time_compare(session_hash, user.get_session_auth_hash()):
            return _attach(user, found)
    user, found = _cold_read(session, user_id, backend)
    if user is None:  # anything unusual: Django's own checks (fallback secrets, flushing the session)
        user = auth.get_user(request)
        if not user.is_authenticated or str(user.pk) != str(user_id):
            return user
        found = read_facts(user.pk)
    cache.set(_entry_key(user_id), (stamps, user, found), TIMEOUT)
    return _attach(user, found)


def _cold_read(session, user_id, backend_path):
    """The user and the facts in one query, accepted only where Django's get_user would accept the
    user as it is: a backend that reads users as ModelBackend does, a user that may sign in, and a
    session hash that matches the current secret. (None, None) otherwise."""
    backend = auth.load_backend(backend_path)
    if not isinstance(backend, ModelBackend) or type(backend).get_user is not ModelBackend.get_user:
        return None, None
    user, found = read_user_and_facts(user_id)
    if user is None or not backend.user_can_authenticate(user):
        return None, None
    session_hash = session.get(auth.HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None, None
    return user, found


def warm(user) -> None:
    """At sign-in (user_logged_in): the account state into the cache, so that the first page
    after it is as cheap as any other. The user is read afresh, without what the login attached."""
    stamps = stamp(user.pk)
    fresh, found = read_user_and_facts(user.pk)
    if fresh is not None:
        cache.set(_entry_key(user.pk), (stamps, fresh, found), TIMEOUT)


def _attach(user, found: dict):
    user._account_facts = found
    return user


# --- Hooks: saves and deletes of the watched models -----------------------------------------------


def _users_of(instance, path: str) -> list:
    value = instance
    for part in path.split("."):
        try:
            value = getattr(value, part)
        except Exception:  # a related row already gone: cannot tell whose, so everyone's
            return [EVERYONE_MARK]
        if value is None:
            return []
    return [value]


def _hook(path: str):
    def changed(sender, instance, **kwargs):
        if kwargs.get("raw"):
            return  # fixtures being loaded
        if path == EVERYONE_MARK:
            bump_everyone()
            return
        users = _users_of(instance, path)
        if EVERYONE_MARK in users:
            bump_everyone()
        else:
            bump(*users)

    return changed


def connect_hooks() -> None:
    """Called once from schools.apps: for each "app.Model": "attribute.path to the user id" (or "*"
    for everyone) of settings.ACCOUNT_STATE_WATCH, a save or delete bumps the stamp."""
    for label, path in settings.ACCOUNT_STATE_WATCH.items():
        model = apps.get_model(label)
        receiver = _hook(path)
        uid = f"account_state:{label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}:save")
        pre_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
