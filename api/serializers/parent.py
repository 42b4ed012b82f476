"""Shapes of the parent's journeys. Input shapes check form only; the services decide the rules."""

from rest_framework import serializers

from enrollment.models import Application, Placement
from safety.models import Leave
from schools.models import Student


class Child(serializers.ModelSerializer):
    school = serializers.CharField(source="school.name")
    class_name = serializers.CharField(source="class_group.name", default="")

    class Meta:
        model = Student
        fields = ["code", "name", "school", "class_name"]


class NoticeAck(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class NoticeAcked(serializers.Serializer):
    version = serializers.IntegerField()
    acknowledged = serializers.BooleanField()


class ApplicationIn(serializers.Serializer):
    """The application form of the web page, as JSON."""

    days = serializers.ListField(child=serializers.CharField(max_length=1), max_length=7)
    choices = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=3)
    pickup = serializers.ChoiceField(choices=Application.Pickup.choices)
    pickup_persons = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    alone_consent = serializers.BooleanField(required=False, default=False)
    left_behind = serializers.BooleanField(required=False, default=False)
    migrant = serializers.BooleanField(required=False, default=False)
    low_income = serializers.BooleanField(required=False, default=False)
    disability = serializers.BooleanField(required=False, default=False)
    other_need = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    priority_consent = serializers.BooleanField(required=False, default=False)
    safety_commitment = serializers.BooleanField(required=False, default=False)


class PlacementOut(serializers.ModelSerializer):
    group = serializers.CharField(source="group.name")
    group_code = serializers.UUIDField(source="group.code")

    class Meta:
        model = Placement
        fields = ["code", "group", "group_code", "status", "position"]


class ApplicationOut(serializers.ModelSerializer):
    student = serializers.UUIDField(source="student.code")
    term = serializers.CharField(source="term.name")
    choices = serializers.SerializerMethodField()
    placements = PlacementOut(many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "code",
            "student",
            "term",
            "status",
            "second_round",
            "days",
            "pickup",
            "choices",
            "placements",
        ]

    def get_choices(self, application) -> list[str]:
        return [str(c.group.code) for c in application.choices.order_by("rank").select_related("group")]


class LeaveIn(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    session = serializers.UUIDField(required=False, help_text="One upcoming session instead of whole days")
    reason = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class LeaveOut(serializers.ModelSerializer):
    student = serializers.UUIDField(source="student.code")
    session = serializers.UUIDField(source="session.code", default=None)
    cancelled = serializers.SerializerMethodField()

    class Meta:
        model = Leave
        fields = ["code", "student", "start", "end", "session", "reason", "reported_at", "cancelled"]

    def get_cancelled(self, leave) -> bool:
        return hasattr(leave, "cancellation")
