"""The claim money rule (F9): what a school may claim for a period. Teachers: held hours × the
hourly rate in force on each day, up to the monthly cap; providers: held sessions × the per-session
rate; students (when the region pays per student): children expected at a held session, once a month.
Amounts round half up to the cent per month. The service that writes claims (services.claim_prepare,
claim_recompute) is the one caller; the reads it needs (rates, held workload) come from selectors."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from activities.models import Provider
from enrollment.days import expected_at_any, seated
from schools.models import School, User
from subsidies import selectors
from subsidies.models import ClaimLine, Rate


@dataclass
class LineDraft:
    kind: str
    label: str
    teacher_id: int | None = None
    provider_id: int | None = None
    contract_id: int | None = None
    sessions: int = 0
    hours: Decimal = Decimal(0)
    students: int = 0
    rate: Decimal | None = None
    monthly_cap: Decimal | None = None
    gross: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)
    unrated: Decimal = Decimal(0)
    detail: list = field(default_factory=list)


def months_between(first: datetime.date, last: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """The months touching [first, last], each clipped to it."""
    out = []
    month = first.replace(day=1)
    while month <= last:
        m_first, m_last = selectors.month_bounds(month)
        out.append((max(m_first, first), min(m_last, last)))
        month = m_last + datetime.timedelta(days=1)
    return out


def _single(values: set):
    return next(iter(values)) if len(values) == 1 else None


def _teacher_line(pk: int, name: str, days: dict, book: selectors.RateBook, months) -> LineDraft | None:
    line = LineDraft(kind=ClaimLine.Kind.TEACHER, label=name, teacher_id=pk)
    rates_used, caps_used = set(), set()
    total_seconds = unrated_seconds = 0
    for m_first, m_last in months:
        gross = Decimal(0)
        seconds = sessions = 0
        for day, held in days.items():
            if not (m_first <= day <= m_last):
                continue
            seconds += held.seconds
            sessions += held.sessions
            rate = book.at(Rate.Kind.TEACHER_HOUR, day)
            if rate is None:
                unrated_seconds += held.seconds
                continue
            rates_used.add(rate.amount)
            gross += Decimal(held.seconds) * rate.amount / selectors.HOUR_SECONDS
        if not seconds and not sessions:
            continue
        gross = selectors.cents(max(gross, Decimal(0)))
        cap_rate = book.at(Rate.Kind.TEACHER_HOUR, m_last)
        cap = cap_rate.monthly_cap if cap_rate else None
        amount = min(gross, cap) if cap is not None else gross
        caps_used.add(cap)
        line.sessions += sessions
        total_seconds += seconds
        line.gross += gross
        line.amount += amount
        line.detail.append(
            {
                "month": f"{m_first:%Y-%m}",
                "sessions": sessions,
                "hours": str(selectors.hours_of(seconds)),
                "gross": str(gross),
                "cap": str(cap) if cap is not None else "",
                "amount": str(amount),
            }
        )
    if not line.detail:
        return None
    line.hours = selectors.hours_of(max(total_seconds, 0))
    line.unrated = selectors.hours_of(unrated_seconds)
    line.rate = _single(rates_used)
    line.monthly_cap = _single(caps_used)
    return line


def _provider_line(
    pk: int, name: str, days: dict, book: selectors.RateBook, contract_id, months
) -> LineDraft | None:
    line = LineDraft(kind=ClaimLine.Kind.PROVIDER, label=name, provider_id=pk, contract_id=contract_id)
    rates_used = set()
    for m_first, m_last in months:
        gross = Decimal(0)
        sessions = 0
        for day, held in days.items():
            if not (m_first <= day <= m_last):
                continue
            sessions += held.sessions
            rate = book.at(Rate.Kind.PROVIDER_SESSION, day)
            if rate is None:
                line.unrated += held.sessions
                continue
            rates_used.add(rate.amount)
            gross += held.sessions * rate.amount
        if not sessions:
            continue
        gross = selectors.cents(max(gross, Decimal(0)))
        line.sessions += max(sessions, 0)
        line.gross += gross
        line.amount += gross
        line.detail.append(
            {"month": f"{m_first:%Y-%m}", "sessions": sessions, "gross": str(gross), "amount": str(gross)}
        )
    if not line.detail:
        return None
    line.rate = _single(rates_used)
    return line


def _student_line(school: School, book: selectors.RateBook, months) -> LineDraft | None:
    """Per-student rates (optional): children expected at a session held in the month (a seat in its
    group and the session on the family's days, enrollment.days), once per month, at the rate in
    force on the month's last day. One query per month."""
    if not book.has(Rate.Kind.STUDENT):
        return None
    line = LineDraft(kind=ClaimLine.Kind.STUDENT, label="")
    rates_used = set()
    for m_first, m_last in months:
        rate = book.at(Rate.Kind.STUDENT, m_last)
        if rate is None:
            continue
        held = selectors.held_sessions(school=school, first=m_first, last=m_last)
        students = seated().filter(expected_at_any(held)).values("application__student_id").distinct().count()
        if not students:
            continue
        gross = selectors.cents(students * rate.amount)
        rates_used.add(rate.amount)
        line.students += students
        line.gross += gross
        line.amount += gross
        line.detail.append(
            {"month": f"{m_first:%Y-%m}", "students": students, "gross": str(gross), "amount": str(gross)}
        )
    if not line.detail:
        return None
    line.rate = _single(rates_used)
    return line


def claim_compute(*, school: School, first: datetime.date, last: datetime.date) -> list[LineDraft]:
    """The lines of a claim for a period: teachers (held hours × the hourly rate in force on each day,
    up to the monthly cap), providers (held sessions × the per-session rate), and students when the
    region pays per student. Adjustments count on their day. A fixed number of queries per month."""
    book = selectors.rate_book(school)
    months = months_between(first, last)
    t_days = selectors.teacher_days(school=school, first=first, last=last)
    p_days = selectors.provider_days(school=school, first=first, last=last)
    for item in selectors.adjustments(school=school, first=first, last=last):
        if item.teacher_id:
            t_days[item.teacher_id][item.date].seconds += int(item.hours * selectors.HOUR_SECONDS)
        else:
            p_days[item.provider_id][item.date].sessions += item.sessions
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=list(t_days))} if t_days else {}
    providers = {p.pk: p.name for p in Provider.objects.filter(pk__in=list(p_days))} if p_days else {}
    contracts = selectors.contracts_by_provider(school, first, last) if p_days else {}
    lines = []
    for pk, days in t_days.items():
        line = _teacher_line(pk, names.get(pk, ""), days, book, months)
        if line:
            lines.append(line)
    for pk, days in p_days.items():
        line = _provider_line(pk, providers.get(pk, ""), days, book, contracts.get(pk), months)
        if line:
            lines.append(line)
    student = _student_line(school, book, months)
    if student:
        lines.append(student)
    lines.sort(key=lambda line: (selectors.LINE_ORDER[line.kind], line.label))
    return lines
