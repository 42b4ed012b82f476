"""Inspection checklists per kind of venue (M4: 强化活动场所安全检查).

A closed list kept in code, like the activity categories: every school checks the same things, and
each InspectionResult stores the item's key and its wording at the time, so a later change to a
list never rewrites an inspection already recorded.
"""

from django.utils.translation import gettext_lazy as _

from activities.models import VenueKind

COMMON = [
    ("fire_exits", _("Fire exits and escape routes are clear and signposted")),
    ("extinguishers", _("Fire extinguishers are in place and within their date")),
    ("lighting", _("Lighting and emergency lights work")),
    ("electrical", _("Sockets, switches and wiring are undamaged")),
]
BY_KIND = {
    VenueKind.LIBRARY: [("shelves", _("Bookshelves are stable and fixed to the wall"))],
    VenueKind.READING_ROOM: [("furniture", _("Tables and chairs are undamaged"))],
    VenueKind.GYM: [
        ("equipment", _("Sports equipment is fixed, padded and undamaged")),
        ("floor", _("The floor is dry and not slippery")),
    ],
    VenueKind.SPORTS_FIELD: [
        ("surface", _("The surface is even, without holes or debris")),
        ("equipment", _("Goals and fixed equipment are anchored")),
    ],
    VenueKind.COMPUTER_ROOM: [
        ("cables", _("Cables are tidy and power strips are not overloaded")),
        ("ventilation", _("The room is ventilated and not overheated")),
    ],
    VenueKind.FUNCTION_ROOM: [
        ("equipment", _("Equipment and tools are undamaged and stored safely")),
        ("materials", _("Chemicals and sharp materials are locked away")),
    ],
    VenueKind.CLASSROOM: [
        ("furniture", _("Tables and chairs are undamaged")),
        ("windows", _("Windows have guards and open safely")),
    ],
    VenueKind.OFF_CAMPUS: [
        ("traffic", _("The route and crossings are safe for children")),
        ("site_certificate", _("The site's fire safety certificate is valid")),
        ("food", _("Food served has a valid hygiene licence")),
    ],
}
OTHER = [("other", _("No other hazards"))]


def checklist_for(kind: str) -> list[tuple[str, str]]:
    """The items (key, label) an inspection of a venue of this kind checks, in order."""
    return [*COMMON, *BY_KIND.get(kind, []), *OTHER]


def item_label(kind: str, key: str, stored: str = "") -> str:
    """An item's wording in the reader's language; the stored wording for an item since removed."""
    for item_key, label in checklist_for(kind):
        if item_key == key:
            return str(label)
    return stored
