"""Checks over every placement in the database (F12: a family's days and a group's days agree)."""

from activities.models import Slot
from enrollment.models import Placement


def placed_without_a_common_day() -> list[Placement]:
    """Every seat in the database whose group meets on none of the family's days."""
    meets: dict[int, set[str]] = {}
    for group_id, weekday in Slot.objects.values_list("group_id", "weekday"):
        meets.setdefault(group_id, set()).add(str(weekday))
    placements = Placement.objects.filter(status=Placement.Status.PLACED).select_related("application")
    return [p for p in placements if not meets.get(p.group_id, set()) & set(p.application.days)]
