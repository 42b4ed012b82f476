"""Demo reports (F8): a few archived reports, generated for real by the service (no Celery: the
seed runs them inline), so that the archive and downloads have something to show.

- zz_bureau: 郑州市 monthly report of last month (.pdf) and the upward summary (.xlsx) of the term
  behind today (schools.schoolyear: the autumn term 2026 when built in November 2026)
- zy_bureau: 中原区 monthly report of last month (.xlsx)
- s1_admin: 中原区实验小学 monthly report of last month (.xlsx)
Idempotent: a report already in the archive is not made again."""

import datetime

from django.utils import timezone

from oversight.models import GeneratedReport
from oversight.reports import services
from schools import schoolyear
from schools.models import Membership, Role, User


def _make(*, username: str, kind: str, period_key: str, fmt: str, out=None) -> None:
    user = User.objects.filter(username=username).first()
    if user is None:
        return
    membership = (
        Membership.objects.filter(user=user, role__in=[Role.BUREAU_OFFICER, Role.SCHOOL_ADMIN])
        .select_related("region", "school")
        .first()
    )
    if membership is None:
        return
    region = membership.region if membership.role == Role.BUREAU_OFFICER else None
    school = membership.school if region is None else None
    key = f"region:{region.code}" if region else f"school:{school.code}"
    if GeneratedReport.objects.filter(
        requested_by=user, kind=kind, scope_key=key, period_key=period_key, format=fmt
    ).exists():
        return
    report, _created = services.report_request(
        user=user, kind=kind, period_key=period_key, fmt=fmt, region=region, school=school
    )
    services.report_generate(report_id=report.pk)
    if out:
        out.write(f"  oversight: {report}\n")


def build(*, out=None) -> None:
    today = timezone.localdate()
    last_month = f"{today.replace(day=1) - datetime.timedelta(days=1):%Y-%m}"
    term = schoolyear.history_term(today).key
    monthly, upward = GeneratedReport.Kind.MONTHLY, GeneratedReport.Kind.UPWARD
    pdf, xlsx = GeneratedReport.Format.PDF, GeneratedReport.Format.XLSX
    _make(username="zz_bureau", kind=monthly, period_key=last_month, fmt=pdf, out=out)
    _make(username="zz_bureau", kind=upward, period_key=term, fmt=xlsx, out=out)
    _make(username="zy_bureau", kind=monthly, period_key=last_month, fmt=xlsx, out=out)
    _make(username="s1_admin", kind=monthly, period_key=last_month, fmt=xlsx, out=out)
