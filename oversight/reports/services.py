"""Request, generate and schedule reports (F8). The file is written by a Celery task that claims the
row, reports its progress per section, stores the file under REPORTS_ROOT and tells the requester."""

import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from audit import services as audit
from notices import services as notices
from oversight.models import GeneratedReport
from oversight.reports import content as report_content
from oversight.reports import pdf, xlsx
from oversight.summaries import selectors
from schools.models import Membership, Region, Role, School
from schools.replica import replica_reads

logger = logging.getLogger(__name__)
RENDERERS = {GeneratedReport.Format.XLSX: xlsx.render, GeneratedReport.Format.PDF: pdf.render}


def _scope_key(region: Region | None, school: School | None) -> str:
    return f"region:{region.code}" if region else f"school:{school.code}"


def _period(kind: str, period_key: str) -> selectors.Period:
    """Monthly reports need a month, term reports a term; the upward summary takes either."""
    month, term = (period_key, "") if "-" in period_key and period_key[5:].isdigit() else ("", period_key)
    if kind == GeneratedReport.Kind.MONTHLY and not month or kind == GeneratedReport.Kind.TERM and not term:
        raise ValueError(f"period {period_key!r} does not fit a {kind} report")
    period = selectors.period_parse(month=month, term=term, today=timezone.localdate())
    if (period.month or period.term) != period_key:
        raise ValueError(f"malformed period {period_key!r}")
    return period


def report_request(
    *, user, kind: str, period_key: str, fmt: str, region: Region | None = None, school: School | None = None
) -> tuple[GeneratedReport, bool]:
    """Queue a report; the same report still queued or running is returned instead (created False).
    The caller has scoped region/school to the user. Raises ValueError for a period that does not fit."""
    period = _period(kind, period_key)
    key = _scope_key(region, school)
    same = {"kind": kind, "scope_key": key, "period_key": period_key, "format": fmt}
    existing = GeneratedReport.objects.filter(status__in=GeneratedReport.ACTIVE, **same).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            report = GeneratedReport.objects.create(
                **same,
                region=region,
                school=school,
                period_first=period.first,
                period_last=period.last,
                requested_by=user,
            )
            audit.record(actor=user, verb="report.request", target=report)
    except IntegrityError:
        # Another request for the same report won the race: the constraint keeps one active.
        return GeneratedReport.objects.get(status__in=GeneratedReport.ACTIVE, **same), False
    _enqueue(report)
    return report, True


def _enqueue(report: GeneratedReport) -> None:
    from oversight import tasks  # tasks import this module

    notices.enqueue_on_commit(tasks.report_generate, report.pk)


def _set_progress(report_id: int, percent: int) -> None:
    # Outside any transaction, so that the archive's progress bar sees it at once.
    GeneratedReport.objects.filter(pk=report_id, status=GeneratedReport.Status.RUNNING).update(
        progress=min(max(percent, 0), 99)
    )


def report_generate(*, report_id: int) -> GeneratedReport | None:
    """Generate one queued report; None if another worker has it already (the row is claimed by a
    conditional update, so a duplicate task does nothing). A failure marks the report failed."""
    claimed = GeneratedReport.objects.filter(pk=report_id, status=GeneratedReport.Status.QUEUED).update(
        status=GeneratedReport.Status.RUNNING, started=timezone.now(), progress=1
    )
    if not claimed:
        return None
    report = GeneratedReport.objects.select_related("region", "school", "requested_by").get(pk=report_id)
    language = report.requested_by.language if report.requested_by_id else settings.LANGUAGE_CODE
    try:
        # The figures are read from the replica when there is one; the progress writes go to the primary.
        with translation.override(language), replica_reads():
            body = report_content.build(report, progress=lambda p: _set_progress(report_id, p))
            data = RENDERERS[report.format](body)
            name = f"{body.title}.{report.format}".replace("/", "-").replace(" ", "_")
    except Exception as exc:
        logger.exception("report %s failed", report.code)
        GeneratedReport.objects.filter(pk=report_id).update(
            status=GeneratedReport.Status.FAILED, finished=timezone.now(), error=f"{type(exc).__name__}"[:300]
        )
        report.refresh_from_db()
        _notify(report)
        return report
    with transaction.atomic():
        report.file.save(name, ContentFile(data), save=False)
        report.status, report.progress, report.finished = GeneratedReport.Status.DONE, 100, timezone.now()
        report.save(update_fields=["file", "status", "progress", "finished"])
        _notify(report)
    return report


def _notify(report: GeneratedReport) -> None:
    if not report.requested_by_id:
        return
    with translation.override(report.requested_by.language or settings.LANGUAGE_CODE):
        period = report.period_label
    notices.notification_send(
        recipient=report.requested_by,
        kind="oversight/report_ready",
        link=reverse("oversight:report-detail", kwargs={"report_code": report.code}),
        dedupe_key=f"report-{report.status}:{report.code}",
        report=report,
        period=period,
        failed=report.status == GeneratedReport.Status.FAILED,
    )


def bureau_regions():
    """Regions with at least one bureau officer: those the monthly schedule reports on."""
    ids = Membership.objects.filter(role=Role.BUREAU_OFFICER, region__isnull=False).values("region_id")
    return Region.objects.filter(pk__in=ids).order_by("code")


def reports_schedule_monthly(*, today: datetime.date | None = None) -> list[GeneratedReport]:
    """The previous month's report (.xlsx and .pdf) of every bureau region, once: rows already there
    are skipped and the unique constraint stops a concurrent run. Returns the reports created."""
    today = today or timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    period = selectors.period_parse(month=f"{last:%Y-%m}", today=today)
    created = []
    for region in bureau_regions():
        for fmt in GeneratedReport.Format.values:
            same = {
                "kind": GeneratedReport.Kind.MONTHLY,
                "scope_key": _scope_key(region, None),
                "period_key": period.month,
                "format": fmt,
            }
            if GeneratedReport.objects.filter(requested_by=None, **same).exists():
                continue
            try:
                with transaction.atomic():
                    report = GeneratedReport.objects.create(
                        **same, region=region, period_first=period.first, period_last=period.last
                    )
            except IntegrityError:
                continue
            _enqueue(report)
            created.append(report)
    return created


def reports_resume(*, older_than_minutes: int = 2) -> int:
    """Re-send reports still queued after a while (the broker was down at commit, or a worker died
    before claiming); the claim makes a duplicate harmless. Returns how many were re-sent."""
    from oversight import tasks

    cut = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
    stale = list(
        GeneratedReport.objects.filter(status=GeneratedReport.Status.QUEUED, created__lt=cut).values_list(
            "pk", flat=True
        )
    )
    for pk in stale:
        notices.enqueue_on_commit(tasks.report_generate, pk)
    return len(stale)
