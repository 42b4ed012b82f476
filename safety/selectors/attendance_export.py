"""The school's attendance, release and handover records as an Excel workbook (F5).

It lives among the selectors because it only reads: it lays out what `selectors.attendance` returned
(rosters, releases, handovers) as sheets and writes nothing, so it belongs on the read side, next to
the selector whose results it formats; the view sends the bytes."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from safety.models import Attendance, Release
from safety.selectors.attendance import SessionRoster, confirmation_of
from schools.spreadsheets import neutralise

STATUS = dict(Attendance.Status.choices)


def _time(value) -> str:
    return timezone.localtime(value).strftime("%H:%M") if value else ""


def _sheet(book: Workbook, title: str, header: list, rows: list[list], first: bool = False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    sheet.append([str(h) for h in header])
    for row in rows:
        # Leave reasons and names are typed by people: never let a cell run as a formula (F10).
        sheet.append([neutralise(value) for value in row])
    for index, heading in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(str(heading)) * 2 + 2)
    sheet.freeze_panes = "A2"
    return sheet


def records_workbook(items: list[SessionRoster]) -> Workbook:
    """Three sheets: attendance (one row per child per session), releases, handovers."""
    attendance, releases, handovers = [], [], []
    for item in items:
        s = item.session
        common = [s.date.isoformat(), s.start.strftime("%H:%M"), s.group.name, s.venue.name]
        for child in item.children:
            attendance.append([*common, *_attendance_row(child)])
            if child.release is not None and child.release.session_id == s.pk:
                releases.append([*common, *_release_row(child)])
        handovers.extend([*common, *_handover_row(handover)] for handover in item.handovers)
    head = [_("Date"), _("Starts"), _("Group"), _("Venue")]
    book = Workbook()
    _sheet(book, _("Attendance"), [*head, *_attendance_header()], attendance, first=True)
    _sheet(book, _("Releases"), [*head, *_release_header()], releases)
    _sheet(book, _("Handovers"), [*head, *_handover_header()], handovers)
    return book


def _attendance_header() -> list:
    return [
        _("Class"),
        _("Child"),
        _("Status"),
        _("Leave reason"),
        _("Marked by"),
        _("Marked at"),
        _("Corrected"),
    ]


def _attendance_row(child) -> list:
    student, mark = child.student, child.mark
    status = STATUS.get(child.status, _("not marked")) if child.status != "unmarked" else _("not marked")
    if child.transfer_in is not None:
        status = _("moved in")
    return [
        student.class_group.display_name,
        student.name,
        str(status),
        child.leave.reason if child.leave else "",
        mark.marked_by.display_name if mark else "",
        _time(mark.marked_at) if mark else "",
        _("yes") if mark and mark.is_correction else "",
    ]


def _release_header() -> list:
    return [
        _("Class"),
        _("Child"),
        _("Released to"),
        _("Person"),
        _("Relationship"),
        _("Verified by"),
        _("Released by"),
        _("Time"),
    ]


def _release_row(child) -> list:
    student, release = child.student, child.release
    return [
        student.class_group.display_name,
        student.name,
        str(Release.To(release.to).label),
        release.person_name,
        release.person_relationship,
        str(Release.Verification(release.verification).label),
        release.released_by.display_name,
        _time(release.released_at),
    ]


def _handover_header() -> list:
    return [
        _("Kind"),
        _("Class"),
        _("Handed over by"),
        _("Handed over to"),
        _("Expected"),
        _("Handed over"),
        _("Received"),
        _("Counts differ"),
        _("Handed over at"),
        _("Confirmed at"),
    ]


def _handover_row(handover) -> list:
    confirmation = confirmation_of(handover)
    return [
        str(handover.get_kind_display()),
        handover.class_group.display_name if handover.class_group else "",
        handover.given_by.display_name,
        handover.to_user.display_name,
        handover.expected,
        handover.count,
        confirmation.count if confirmation else "",
        _("yes") if confirmation and confirmation.mismatch else "",
        _time(handover.given_at),
        _time(confirmation.confirmed_at) if confirmation else "",
    ]
