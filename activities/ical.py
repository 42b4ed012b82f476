"""The iCalendar feed of a teacher's sessions, at a URL that carries a signed token so that calendar
apps can subscribe without a session. The token stops working when the teacher's password changes."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from schools.models import User

SALT = "activities.ical"
FEED_DAYS_BACK = 30
FEED_DAYS_AHEAD = 180


def _fingerprint(user: User) -> str:
    return salted_hmac(SALT, f"{user.pk}:{user.password}").hexdigest()[:16]


def token_for(user: User) -> str:
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=SALT)


def user_for_token(token: str) -> User | None:
    """The active user a token belongs to, or None for a bad, foreign or revoked token."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None or data.get("f") != _fingerprint(user):
        return None
    return user


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
