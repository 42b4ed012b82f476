"""Shapes of the staff journeys: the class teacher's review and handover, the service teacher's
sessions, roll call, handover and release, the gate guard's pick-up check. Input shapes only check
the shape; the services (through the pages' forms) decide the rules."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safety.forms.attendance import MARK_CHOICES


class SessionChild(serializers.Serializer):
    """A child of a session on its date (safety.selectors.attendance.ChildDay)."""

    code = serializers.UUIDField(source="student.code")
    name = serializers.CharField(source="student.name")
    class_name = serializers.CharField(source="student.class_group", default="")
    status = serializers.CharField(help_text=_("present, late, left_early, absent, on_leave or unmarked"))
    releasable = serializers.BooleanField()
    released = serializers.SerializerMethodField()
    may_go_alone = serializers.BooleanField()

    def get_released(self, child) -> bool:
        return child.release is not None


class SessionSummary(serializers.Serializer):
    """A session with its counts (safety.selectors.attendance.SessionRoster)."""

    code = serializers.UUIDField(source="session.code")
    group = serializers.CharField(source="session.group.name")
    date = serializers.DateField(source="session.date")
    start = serializers.TimeField(source="session.start")
    end = serializers.TimeField(source="session.end")
    venue = serializers.CharField(source="session.venue.name")
    expected = serializers.IntegerField(source="expected_count")
    present = serializers.IntegerField(source="present_count")
    absent = serializers.IntegerField(source="absent_count")
    in_care = serializers.SerializerMethodField()

    def get_in_care(self, roster) -> int:
        return len(roster.in_care)


class PendingHandover(serializers.Serializer):
    code = serializers.UUIDField()
    session = serializers.UUIDField(source="session.code")
    kind = serializers.CharField()
    count = serializers.IntegerField(help_text=_("Head count given by the teacher handing over"))
    given_by = serializers.CharField()


class Today(serializers.Serializer):
    date = serializers.DateField()
    sessions = SessionSummary(many=True, help_text=_("Today's sessions of my groups"))
    next_sessions = SessionSummary(many=True, help_text=_("My sessions of the next service day"))
    pending = PendingHandover(many=True, help_text=_("Handovers waiting for my count"))


class SessionDetail(SessionSummary):
    children = SessionChild(many=True)
    pending = PendingHandover(many=True, source="pending_handovers")


class Mark(serializers.Serializer):
    student = serializers.UUIDField(help_text=_("The child's code"))
    status = serializers.ChoiceField(choices=[value for value, _label in MARK_CHOICES])


class RollCall(serializers.Serializer):
    marks = Mark(many=True, allow_empty=False, help_text=_("The whole group's marks at once"))


class RollCallSaved(serializers.Serializer):
    saved = serializers.IntegerField()
    corrections = serializers.IntegerField()
    absent = serializers.IntegerField(help_text=_("Children marked absent; their families are told"))
    detail = serializers.CharField()


class HeadCount(serializers.Serializer):
    count = serializers.IntegerField(min_value=0, max_value=500, help_text=_("Head count"))


class HandoverConfirmed(serializers.Serializer):
    count = serializers.IntegerField()
    mismatch = serializers.BooleanField()
    detail = serializers.CharField()


class Person(serializers.Serializer):
    """A guardian or authorised person of a child (safety.selectors.attendance.Person)."""

    key = serializers.CharField(help_text=_("What to send as 'person' to release the child to them"))
    kind = serializers.CharField()
    name = serializers.CharField()
    relationship = serializers.CharField()
    masked_mobile = serializers.CharField()
    state = serializers.CharField(help_text=_("valid, restricted, ended, expired or upcoming"))


class ReleaseChild(serializers.Serializer):
    """The child to release and who may collect them."""

    child = SessionChild()
    people = Person(many=True)


class Release(serializers.Serializer):
    person = serializers.CharField(
        help_text=_(
            "A person's key from the child's list, 'other' (someone not on the list: refused and "
            "recorded), 'alone' (with written consent) or 'transfer' (to another group)"
        )
    )
    verification = serializers.ChoiceField(choices=["code", "id_last4", "photo"], required=False)
    code = serializers.CharField(max_length=8, required=False, allow_blank=True)
    id_last4 = serializers.CharField(max_length=4, required=False, allow_blank=True)
    other_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    other_mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    to_session = serializers.UUIDField(required=False, help_text=_("The session the child moves to"))


class Released(serializers.Serializer):
    released = serializers.BooleanField()
    moved = serializers.BooleanField()
    detail = serializers.CharField()


class ClassSession(serializers.Serializer):
    """One session of the day with children of the class (safety.selectors.attendance.ClassSession)."""

    session = serializers.UUIDField(source="roster.session.code")
    group = serializers.CharField(source="roster.session.group.name")
    start = serializers.TimeField(source="roster.session.start")
    holder = serializers.CharField(source="roster.holder")
    expected = serializers.IntegerField()
    handed_over = serializers.SerializerMethodField()

    def get_handed_over(self, item) -> bool:
        return item.handover is not None


class ClassDay(serializers.Serializer):
    code = serializers.UUIDField()
    name = serializers.CharField()
    sessions = ClassSession(many=True)


class ClassHandover(HeadCount):
    session = serializers.UUIDField(help_text=_("The session the class is handed to"))


class Application(serializers.Serializer):
    code = serializers.UUIDField()
    child = serializers.CharField(source="student.name")
    class_name = serializers.CharField(source="student.class_group")
    term = serializers.CharField(source="term.name")
    status = serializers.CharField()
    days = serializers.CharField()
    pickup = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    review_note = serializers.CharField(required=False)


class Review(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "return", "decline"])
    note = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text=_("Needed to return (what to correct) or decline (the reason)."),
    )


class GateMatch(serializers.Serializer):
    person = Person()
    child = serializers.CharField(source="student.name")
    class_name = serializers.CharField(source="student.class_group")
    session = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    by_code = serializers.SerializerMethodField()

    def get_session(self, match) -> str:
        return str(match.care.session.group.name) if match.care else ""

    def get_status(self, match) -> str:
        return match.care.status if match.care else "not_today"

    def get_by_code(self, match) -> bool:
        return match.code is not None


class PickupCheck(serializers.Serializer):
    school = serializers.UUIDField()
    matches = GateMatch(many=True)
    paused = serializers.BooleanField(help_text=_("Look-ups by code are paused after too many wrong codes"))
    detail = serializers.CharField()
