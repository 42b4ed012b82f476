"""Shapes of the parent's care journeys: the demand survey, the seat and timetable, attendance and
who collected the child, pick-up persons and the pick-up code. Input shapes check form only; the
web page's form and the service decide the rules."""

from rest_framework import serializers

from activities.models import Category
from schools.models import AuthorizedPickup, mask_tail

# --- the demand survey ---------------------------------------------------------------------------


class SurveyAnswer(serializers.Serializer):
    wants_service = serializers.BooleanField()
    days = serializers.ListField(
        child=serializers.CharField(max_length=1), max_length=7, required=False, default=list
    )
    latest_pickup = serializers.TimeField(required=False, allow_null=True, default=None, format="%H:%M")
    interests = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), required=False, default=list
    )


class SurveyOut(serializers.Serializer):
    open = serializers.BooleanField(help_text="Whether the survey takes answers now")
    term = serializers.CharField(allow_null=True)
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    weekdays = serializers.ListField(child=serializers.CharField(), help_text="The days one may choose")
    interests = serializers.ListField(child=serializers.CharField(), help_text="The interests one may choose")
    answer = SurveyAnswer(allow_null=True)


# --- the seat and the timetable --------------------------------------------------------------------


class SlotOut(serializers.Serializer):
    weekday = serializers.IntegerField()
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")


class SeatOut(serializers.Serializer):
    code = serializers.UUIDField()
    status = serializers.CharField()
    waitlist_rank = serializers.IntegerField(allow_null=True)
    group = serializers.CharField(source="group.name")
    group_code = serializers.UUIDField(source="group.code")
    activity = serializers.CharField(source="group.activity.title")
    category = serializers.CharField(source="group.activity.category")
    venue = serializers.CharField(source="group.venue.name")
    teacher = serializers.CharField(source="group.lead.display_name", default="")
    slots = SlotOut(source="group.slots.all", many=True)


class SessionOut(serializers.Serializer):
    code = serializers.UUIDField()
    date = serializers.DateField()
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")
    venue = serializers.CharField(source="venue.name")


class ChildPlacementOut(serializers.Serializer):
    term = serializers.CharField(allow_null=True)
    published = serializers.BooleanField(help_text="Seats are shown once the school publishes them")
    application = serializers.UUIDField(allow_null=True)
    application_status = serializers.CharField(allow_null=True)
    days = serializers.ListField(child=serializers.CharField(), help_text="The family's days")
    placement = SeatOut(allow_null=True)
    sessions = SessionOut(many=True, help_text="The coming sessions on the family's days")


# --- attendance and who collected the child -------------------------------------------------------


class ReleaseOut(serializers.Serializer):
    to = serializers.CharField(help_text="guardian, pickup or alone")
    person = serializers.CharField(source="person_name", allow_blank=True)
    relationship = serializers.CharField(source="person_relationship", allow_blank=True)
    released_at = serializers.DateTimeField()


class ChildDayOut(serializers.Serializer):
    session = serializers.UUIDField(source="session.code")
    date = serializers.DateField(source="session.date")
    start = serializers.TimeField(source="session.start", format="%H:%M")
    end = serializers.TimeField(source="session.end", format="%H:%M")
    group = serializers.CharField(source="session.group.name")
    status = serializers.CharField(help_text="present, late, absent, on_leave … or unmarked")
    release = ReleaseOut(allow_null=True)


class LeaveRow(serializers.Serializer):
    code = serializers.UUIDField()
    start = serializers.DateField()
    end = serializers.DateField()
    session = serializers.UUIDField(source="session.code", default=None, allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    cancelled = serializers.SerializerMethodField()

    def get_cancelled(self, leave) -> bool:
        return hasattr(leave, "cancellation")


class AttendanceOut(serializers.Serializer):
    today = ChildDayOut(many=True)
    history = ChildDayOut(many=True, help_text="The last two weeks, newest first")
    leaves = LeaveRow(many=True)


# --- pick-up persons -------------------------------------------------------------------------------


class PickupIn(serializers.Serializer):
    """The web page's form, as JSON (the same form checks it)."""

    name = serializers.CharField(max_length=50)
    relationship = serializers.CharField(max_length=20)
    mobile = serializers.CharField(max_length=20)
    id_last4 = serializers.CharField(max_length=4, help_text="The last 4 characters of the ID number")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)


class PickupOut(serializers.ModelSerializer):
    student = serializers.UUIDField(source="student.code")
    id_number = serializers.SerializerMethodField(help_text="Masked: only the last 4 characters")
    state = serializers.CharField(help_text="valid, upcoming, expired, ended or restricted")

    class Meta:
        model = AuthorizedPickup
        fields = [
            "code",
            "student",
            "name",
            "relationship",
            "mobile",
            "id_number",
            "valid_from",
            "valid_until",
            "ended_at",
            "state",
        ]

    def get_id_number(self, pickup) -> str:
        return mask_tail("*" * 14 + pickup.id_last4)


# --- the pick-up code ------------------------------------------------------------------------------


class LiveCodeOut(serializers.Serializer):
    code = serializers.UUIDField(help_text="The code's identifier (the digits are shown only once)")
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class PickupCodeState(serializers.Serializer):
    live = LiveCodeOut(allow_null=True)
    ttl_minutes = serializers.IntegerField()


class PickupCodeIssued(LiveCodeOut):
    digits = serializers.CharField(help_text="Shown now and never again: show it (or its QR) at the gate")
