"""The roster import's services: preview (a dry run), confirm, and the run itself, inline or on a
Celery worker with progress; each step audited."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from notices.services import enqueue_on_commit
from schools.models import RosterImport, School, User
from schools.roster.columns import HEADERS, MAX_ERRORS, RowError
from schools.roster.leaving import children_mark_left, transfers_record
from schools.roster.planning import plan_against_school, plan_apply
from schools.roster.reading import roster_read, upload_check
from schools.roster.rows import rows_check

logger = logging.getLogger(__name__)


def _errors_json(errors: list[RowError]) -> list[dict]:
    errors = sorted(
        errors, key=lambda e: (e.row or 0, HEADERS.index(e.column) if e.column in HEADERS else 99)
    )
    return [e.as_dict() for e in errors[:MAX_ERRORS]]


@transaction.atomic
def roster_import_preview(*, school: School, uploaded_by: User, upload) -> RosterImport:
    """Check a roster file without importing it (a dry run) and keep it for confirmation.

    Returns a RosterImport that is PREVIEWED (ready), REJECTED (with every bad row) or COLUMNS
    (a header was ambiguous: the school admin chooses, see roster_import_choose_columns). Raises
    ValidationError for a file that cannot be read at all (see upload_check and roster_read).
    """
    kind = upload_check(upload)
    upload.seek(0)
    table = roster_read(data=upload.read(), kind=kind)
    roster_import = RosterImport(
        school=school,
        uploaded_by=uploaded_by,
        original_name=(upload.name or "")[-200:],
        total_rows=len(table.rows),
        column_plan=table.plan.as_dict(),
    )
    if table.plan.ambiguous:
        roster_import.status = RosterImport.Status.COLUMNS
    else:
        _preview_check(roster_import, table)
    if roster_import.status != RosterImport.Status.REJECTED:
        upload.seek(0)
        roster_import.file.save(f"{roster_import.code}.{kind}", upload, save=False)
    roster_import.save()
    audit.record(
        actor=uploaded_by,
        verb="roster.preview",
        target=roster_import,
        changes={"rows": roster_import.total_rows, "errors": len(roster_import.errors)},
    )
    return roster_import


def _preview_check(roster_import: RosterImport, table) -> None:
    """The dry run: every row checked on its own and against the school; nothing saved."""
    rows, errors = rows_check(table)
    plan, db_errors = plan_against_school(school=roster_import.school, rows=rows)
    errors += db_errors
    roster_import.status = RosterImport.Status.REJECTED if errors else RosterImport.Status.PREVIEWED
    roster_import.errors = _errors_json(errors)
    roster_import.preview_counts = {
        **plan.counts(),
        "errors": len(errors),
        "bad_rows": len({e.row for e in errors}),
    }
    roster_import.change_counts = plan.change_counts()
    roster_import.missing = [] if errors else plan.missing


@transaction.atomic
def roster_import_choose_columns(*, roster_import: RosterImport, actor: User, columns: dict) -> RosterImport:
    """Read a file again with the columns the school admin chose for its ambiguous headers
    (field name -> column, -1 for none) and check it like roster_import_preview.

    Raises ValidationError(code="not_columns") unless the import waits for that choice.
    """
    locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if locked.status != RosterImport.Status.COLUMNS:
        raise ValidationError(_("The columns of this file have already been chosen."), code="not_columns")
    with locked.file.open("rb") as handle:
        data = handle.read()
    table = roster_read(data=data, kind=locked.file.name.rsplit(".", 1)[-1], columns=columns)
    if table.plan.ambiguous:
        raise ValidationError(_("Choose a column for every field."), code="columns")
    locked.column_plan = {**table.plan.as_dict(), "chosen": columns}
    _preview_check(locked, table)
    if locked.status == RosterImport.Status.REJECTED:
        name, storage = locked.file.name, locked.file.storage
        locked.file = ""
        transaction.on_commit(lambda: storage.delete(name))
    locked.save()
    audit.record(
        actor=actor,
        verb="roster.columns",
        target=locked,
        changes={"columns": {name: table.plan.label(i) for name, i in table.plan.matched.items()}},
    )
    return locked


def roster_import_confirm(*, roster_import: RosterImport, actor: User, left=()) -> RosterImport:
    """Import a previewed file: at once when small, on a Celery worker when large. `left`: the
    codes of children missing from the file whom the admin ticked as having left school (the
    others stay enrolled).

    Raises ValidationError(code="not_previewed").
    """
    marked = sorted({str(code) for code in left} & set(roster_import.missing))
    with transaction.atomic():
        claimed = RosterImport.objects.filter(
            pk=roster_import.pk, status=RosterImport.Status.PREVIEWED
        ).update(status=RosterImport.Status.QUEUED, confirmed_by=actor, marked_left=marked)
        if not claimed:
            raise ValidationError(
                _("This import has already been confirmed or cannot be imported."), code="not_previewed"
            )
        audit.record(actor=actor, verb="roster.confirm", target=roster_import)
        background = roster_import.total_rows > settings.ROSTER_IMPORT_SYNC_ROWS
        if background:
            from schools import tasks

            pk = roster_import.pk
            enqueue_on_commit(tasks.roster_import_run, pk)
    if not background:
        roster_import_run(roster_import_id=roster_import.pk, report_progress=False)
    roster_import.refresh_from_db()
    return roster_import


def roster_import_run(*, roster_import_id: int, report_progress: bool = True) -> RosterImport | None:
    """Check the confirmed file again and import it in one transaction, or nothing at all.

    Not one transaction from end to end on purpose: the row checks run first, outside it, so that
    the progress they write can be read by the page that polls it; everything that reads or writes
    the school's data then runs in one transaction. Idempotent: an import that is not queued or
    running is left alone. Ends DONE, REJECTED (with the rows) or FAILED; raises nothing of its own.
    """
    active = [RosterImport.Status.QUEUED, RosterImport.Status.RUNNING]
    if not RosterImport.objects.filter(pk=roster_import_id, status__in=active).update(
        status=RosterImport.Status.RUNNING, processed_rows=0
    ):
        return None
    roster_import = RosterImport.objects.select_related("school", "confirmed_by").get(pk=roster_import_id)
    progress = _progress_writer(roster_import_id) if report_progress else None
    try:
        with roster_import.file.open("rb") as handle:
            data = handle.read()
        kind = roster_import.file.name.rsplit(".", 1)[-1]
        try:
            table = roster_read(data=data, kind=kind, columns=roster_import.column_plan.get("chosen"))
        except ValidationError as exc:
            return _finish_rejected(roster_import, [RowError(None, "", m) for m in exc.messages])
        rows, errors = rows_check(table, progress=progress)
        RosterImport.objects.filter(pk=roster_import_id).update(
            total_rows=len(table.rows), processed_rows=len(table.rows)
        )
        with transaction.atomic():
            locked = RosterImport.objects.select_for_update().get(pk=roster_import_id)
            if locked.status != RosterImport.Status.RUNNING:
                return locked
            plan, db_errors = plan_against_school(school=roster_import.school, rows=rows)
            if errors or db_errors:
                return _finish_rejected(roster_import, errors + db_errors)
            actor = roster_import.confirmed_by
            counts = {
                **plan_apply(school=roster_import.school, plan=plan, actor=actor),
                **plan.change_counts(),
            }
            counts["left"] = children_mark_left(
                school=roster_import.school, codes=locked.marked_left, still_missing=plan.missing, actor=actor
            )
            audit.record(actor=actor, verb="roster.import", target=roster_import, changes=counts)
            transfers_record(school=roster_import.school, plan=plan, actor=actor)
            _finish(roster_import, status=RosterImport.Status.DONE, created_counts=counts)
            return roster_import
    except IntegrityError:
        # Another import or an edit stored one of these students or parents in the meantime.
        message = _("The school's data changed while importing. Nothing was saved; upload the file again.")
        return _finish_rejected(roster_import, [RowError(None, "", message)])
    except Exception as exc:
        # No personal data in logs: the type and the import's code only.
        logger.error("roster import %s failed: %s", roster_import.code, type(exc).__name__)
        _finish(roster_import, status=RosterImport.Status.FAILED)
        return roster_import


def _progress_writer(roster_import_id: int):
    def write(done: int) -> None:
        RosterImport.objects.filter(pk=roster_import_id).update(processed_rows=done)

    return write


def _finish_rejected(roster_import: RosterImport, errors: list[RowError]) -> RosterImport:
    counts = {**roster_import.preview_counts, "errors": len(errors), "bad_rows": len({e.row for e in errors})}
    _finish(
        roster_import, status=RosterImport.Status.REJECTED, errors=_errors_json(errors), preview_counts=counts
    )
    return roster_import


def _finish(roster_import: RosterImport, *, status: str, **values) -> None:
    """End an import: keep the outcome and (unless it failed) drop the file."""
    name = roster_import.file.name
    values.update(status=status, finished=timezone.now())
    if status != RosterImport.Status.FAILED:
        values["file"] = ""
        if name:
            storage = roster_import.file.storage
            transaction.on_commit(lambda: storage.delete(name))
    if status == RosterImport.Status.DONE:
        values["processed_rows"] = roster_import.total_rows
    RosterImport.objects.filter(pk=roster_import.pk).update(**values)
    for key, value in values.items():
        setattr(roster_import, key, value)
