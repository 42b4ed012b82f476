"""The iCalendar feed of a teacher's sessions, at a URL that carries a signed token so that calendar
apps can subscribe without a session.

F13: the token signs the user's CalendarFeedKey (and a fingerprint of their password), so it stops
working at once when the user replaces the key on "my sessions", when their password changes, and
ICAL_TOKEN_DAYS after the key was issued. Until a user creates a key there is no feed. The token
travels in the query string (`?token=`), which Django's request log leaves out; gunicorn.conf.py's
access-log format leaves query strings out too, and the log filter masks `token=` values anywhere
else (audit/logging.py)."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from activities.models import CalendarFeedKey
from schools.models import User

SALT = "activities.ical"
FEED_DAYS_BACK = 30
FEED_DAYS_AHEAD = 180


def _fingerprint(user: User) -> str:
    return salted_hmac(SALT, f"{user.pk}:{user.password}").hexdigest()[:16]


def _sign(user: User, key: CalendarFeedKey) -> str:
    # Signer (not dumps): no timestamp, so the page shows the same address until the key changes.
    return signing.Signer(salt=SALT).sign_object({"u": user.pk, "k": key.key, "f": _fingerprint(user)})


def expires_at(key: CalendarFeedKey) -> datetime.datetime:
    return key.issued_at + datetime.timedelta(days=settings.ICAL_TOKEN_DAYS)


def feed_key(user: User) -> CalendarFeedKey | None:
    return CalendarFeedKey.objects.filter(user=user).first()


def token_for(user: User, key: CalendarFeedKey | None = None) -> str | None:
    """The token of the user's current key (`key` when already loaded), or None when they have none."""
    key = key or feed_key(user)
    return _sign(user, key) if key is not None else None


def user_for_token(token: str, *, now: datetime.datetime | None = None) -> User | None:
    """The active user a token belongs to, or None for a bad, foreign, replaced, expired or
    revoked (password changed) token."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token or "")
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        return None
    key = (
        CalendarFeedKey.objects.filter(user_id=data["u"], user__is_active=True).select_related("user").first()
    )
    if key is None or not constant_time_compare(data["k"], key.key):
        return None
    if expires_at(key) <= (now or timezone.now()) or data.get("f") != _fingerprint(key.user):
        return None
    return key.user


def calendar_for(*, name: str, sessions, domain: str) -> bytes:
    """VCALENDAR bytes with one VEVENT per session, in the school's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//AfterSchool//activities//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = datetime.datetime.now(tz=datetime.UTC)
    for session in sessions:
        event = icalendar.Event()
        event.add("uid", f"{session.code}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", datetime.datetime.combine(session.date, session.start, tzinfo=zone))
        event.add("dtend", datetime.datetime.combine(session.date, session.end, tzinfo=zone))
        event.add("summary", f"{session.group.activity.title} · {session.group.name}")
        event.add("location", session.venue.name)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
