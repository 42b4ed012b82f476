"""Reads for funding, rates, held workload, claims and complaints.

Scope builds on schools.access:
- superuser: everything;
- school admin: the claims and workload of the schools they manage; the complaints about them that
  the bureau shared (the guardian named only when they agreed);
- other staff (service and class teachers): their own held hours;
- the school's bureau (F12: the nearest region on its reporting chain with an active officer, usually
  its county; access.bureau_region_ids): decides the claims of its schools and handles the
  complaints about them; officers set budgets, contracts and rates of their own region;
- other higher bureau officers: read the claims, budgets, contracts and rates under them, and
  complaint counts only (PIPL: no individual children above the bureau that handles them);
- parent: their own complaints, nothing else here (the service is free: no amounts, ever).

"Held" means roll call taken: Session.has_records (set by F5's attendance).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from activities.models import Activity, Provider, Session, Term

# The activities workload helpers: session length in SQL, "sessions a user leads or assists", months.
from activities.selectors import (
    SESSION_DURATION,
    managed_school,  # noqa: F401  (views pick the admin's school through this module)
    month_bounds,
    own_sessions_q,
    staff_for_school,
)
from schools import access
from schools.models import Region, School, User, path_codes
from subsidies.models import (
    Budget,
    Claim,
    ClaimLine,
    Complaint,
    PurchaseContract,
    Rate,
    WorkloadAdjustment,
)

CENT = Decimal("0.01")
HOUR_SECONDS = Decimal(3600)
LINE_ORDER = {ClaimLine.Kind.TEACHER: 0, ClaimLine.Kind.PROVIDER: 1, ClaimLine.Kind.STUDENT: 2}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- scope ----------------------------------------------------------------------------------


def claims_for(user) -> QuerySet[Claim]:
    """Claims the user may read: their schools' (admins), those under their bureau (officers)."""
    s = access.scope(user)
    if s.everything:
        return Claim.objects.all()
    condition = access.paths_q("school__region__report_path", s.region_paths)
    if s.admin_school_ids:
        condition |= Q(school_id__in=s.admin_school_ids)
    return Claim.objects.filter(condition)


def claims_managed_by(user) -> QuerySet[Claim]:
    """Claims the user prepares and submits: those of the schools they run."""
    s = access.scope(user)
    if s.everything:
        return Claim.objects.all()
    return Claim.objects.filter(school_id__in=s.admin_school_ids)


def claims_decided_by(user) -> QuerySet[Claim]:
    """Claims the user approves, returns and marks paid: those of the schools whose bureau is the
    user's (their county's, or a higher one when the county has no officer)."""
    if access.scope(user).everything:
        return Claim.objects.all()
    return Claim.objects.filter(school__region_id__in=access.bureau_region_ids(user))


def _claim_related(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    return queryset.select_related(
        "school__region", "term", "prepared_by", "submitted_by", "decided_by", "paid_by", "budget"
    )


def get_claim_for_user(user, code) -> Claim:
    return access.get_or_404(_claim_related(claims_for(user)), code=code)


def get_claim_to_manage(user, code) -> Claim:
    return access.get_or_404(_claim_related(claims_managed_by(user)), code=code)


def get_claim_to_decide(user, code) -> Claim:
    return access.get_or_404(_claim_related(claims_decided_by(user)), code=code)


def budgets_for(user) -> QuerySet[Budget]:
    s = access.scope(user)
    if s.everything:
        return Budget.objects.all()
    return Budget.objects.filter(access.paths_q("region__report_path", s.region_paths))


def budgets_managed_by(user) -> QuerySet[Budget]:
    """Budgets a bureau officer sets: those of the regions their bureau decides for (regions_managed_by)."""
    if access.scope(user).everything:
        return Budget.objects.all()
    return Budget.objects.filter(region__in=regions_managed_by(user))


def _under_or_above(s) -> Q:
    """Regions under a bureau, and those above it on its reporting chain (their rates and contracts
    apply to its schools too)."""
    codes = {c for path in s.region_paths for c in path_codes(path)}
    return access.paths_q("region__report_path", s.region_paths) | Q(region__code__in=codes)


def contracts_for(user) -> QuerySet[PurchaseContract]:
    """Contracts a bureau officer reads: its region's, those under it and those above it."""
    s = access.scope(user)
    if s.everything:
        return PurchaseContract.objects.all()
    return PurchaseContract.objects.filter(_under_or_above(s))


def contracts_managed_by(user) -> QuerySet[PurchaseContract]:
    if access.scope(user).everything:
        return PurchaseContract.objects.all()
    return PurchaseContract.objects.filter(region__in=regions_managed_by(user))


def rates_for(user) -> QuerySet[Rate]:
    """Rates a bureau officer reads: those of its region and the regions under it, and of the
    regions above it (they apply to its schools too)."""
    s = access.scope(user)
    if s.everything:
        return Rate.objects.all()
    return Rate.objects.filter(_under_or_above(s))


def regions_managed_by(user) -> QuerySet[Region]:
    """Regions whose funding the user sets: those whose claims their bureau decides — their own, and
    a region under it with no officer of its own (a county without an officer is funded and decided
    by its city, else the province: access.bureau_region_ids)."""
    if access.scope(user).everything:
        return Region.objects.all()
    return Region.objects.filter(pk__in=access.bureau_region_ids(user))


def get_budget_to_manage(user, code) -> Budget:
    return access.get_or_404(budgets_managed_by(user).select_related("region"), code=code)


def get_contract_to_manage(user, code) -> PurchaseContract:
    return access.get_or_404(contracts_managed_by(user).select_related("region", "provider"), code=code)


def complaints_for(user) -> QuerySet[Complaint]:
    """Complaints the user may open: a guardian's own; every one about the schools of a county
    bureau's region (or of a county without officers that the user's bureau stands in for); those
    the bureau shared with a school admin."""
    s = access.scope(user)
    if s.everything:
        return Complaint.objects.all()
    condition = Q(school__region_id__in=access.bureau_region_ids(user)) if s.region_paths else Q(pk__in=[])
    if s.guardian_id:
        condition |= Q(guardian_id=s.guardian_id)
    if s.admin_school_ids:
        condition |= Q(school_id__in=s.admin_school_ids, shared_at__isnull=False)
    return Complaint.objects.filter(condition)


def complaints_handled_by(user) -> QuerySet[Complaint]:
    """Complaints the user handles: those about the schools whose bureau is the user's."""
    if access.scope(user).everything:
        return Complaint.objects.all()
    return Complaint.objects.filter(school__region_id__in=access.bureau_region_ids(user))


def complaints_shared_with(user) -> QuerySet[Complaint]:
    s = access.scope(user)
    ids = None if s.everything else s.admin_school_ids
    queryset = Complaint.objects.filter(shared_at__isnull=False)
    return queryset if ids is None else queryset.filter(school_id__in=ids)


def complaints_of_guardian(user) -> QuerySet[Complaint]:
    guardian_id = access.scope(user).guardian_id
    if not guardian_id:
        return Complaint.objects.none()
    return Complaint.objects.filter(guardian_id=guardian_id)


def get_complaint_for_user(user, code) -> Complaint:
    return access.get_or_404(
        complaints_for(user).select_related(
            "school__region", "student__class_group", "guardian", "replied_by", "shared_by"
        ),
        code=code,
    )


def get_complaint_to_handle(user, code) -> Complaint:
    return access.get_or_404(
        complaints_handled_by(user).select_related("school", "guardian__user"), code=code
    )


# --- rates ----------------------------------------------------------------------------------


@dataclass
class RateBook:
    """The rates along one school's reporting chain: the nearest region with a rate of the kind in
    force on a day wins (as activities.rules.policy_for does for the region's rules)."""

    chain: list[str]  # region codes, the school's county first
    by_region: dict = field(default_factory=dict)  # (code, kind) -> [Rate] newest first

    def at(self, kind: str, day: datetime.date) -> Rate | None:
        for code in self.chain:
            for rate in self.by_region.get((code, kind), ()):
                if rate.effective_from <= day:
                    return rate
        return None

    def has(self, kind: str) -> bool:
        return any(k == kind for _code, k in self.by_region)


def chain_codes(school: School) -> list[str]:
    """Region codes on the school's reporting chain, nearest (its county) first."""
    return school.region.chain_codes[::-1]


def rate_book(school: School) -> RateBook:
    """One query."""
    chain = chain_codes(school)
    book = RateBook(chain=chain)
    rates = Rate.objects.filter(region__code__in=chain).select_related("region").order_by("-effective_from")
    for rate in rates:
        book.by_region.setdefault((rate.region.code, rate.kind), []).append(rate)
    return book


def rates_in_force(school: School, day: datetime.date) -> dict[str, Rate | None]:
    book = rate_book(school)
    return {kind: book.at(kind, day) for kind in Rate.Kind.values}


# --- held workload --------------------------------------------------------------------------


def _seconds(total) -> int:
    """A summed duration as whole seconds (PostgreSQL gives a timedelta, SQLite microseconds)."""
    if total is None:
        return 0
    if isinstance(total, datetime.timedelta):
        return int(total.total_seconds())
    return int(total) // 1_000_000


def held_sessions(*, school: School | None, first: datetime.date, last: datetime.date) -> QuerySet[Session]:
    sessions = Session.objects.filter(date__gte=first, date__lte=last, has_records=True)
    if school is not None:
        sessions = sessions.filter(group__activity__school=school)
    return sessions


@dataclass
class Day:
    sessions: int = 0
    seconds: int = 0


def teacher_days(
    *, school: School | None, first: datetime.date, last: datetime.date, user=None
) -> dict[int, dict[datetime.date, Day]]:
    """Held sessions and seconds per teacher (lead or assistant) per day. Two queries."""
    sessions = held_sessions(school=school, first=first, last=last)
    if user is not None:
        sessions = sessions.filter(own_sessions_q(user))
    led = (
        sessions.values("date", person=F("lead_id"))
        .annotate(n=Count("pk"), total=Sum(SESSION_DURATION))
        .order_by()
    )
    assisted = (
        sessions.values("date", person=F("group__assistants"))
        .annotate(n=Count("pk"), total=Sum(SESSION_DURATION))
        .order_by()
    )
    days: dict[int, dict[datetime.date, Day]] = defaultdict(lambda: defaultdict(Day))
    for part in (led, assisted):
        for item in part:
            if item["person"] is None or (user is not None and item["person"] != user.pk):
                continue
            day = days[item["person"]][item["date"]]
            day.sessions += item["n"]
            day.seconds += _seconds(item["total"])
    return days


def provider_days(
    *, school: School, first: datetime.date, last: datetime.date
) -> dict[int, dict[datetime.date, Day]]:
    """Held sessions per provider per day, for the groups whose activity has a provider. One query."""
    rows = (
        held_sessions(school=school, first=first, last=last)
        .filter(group__activity__provider__isnull=False)
        .values("date", provider=F("group__activity__provider_id"))
        .annotate(n=Count("pk"), total=Sum(SESSION_DURATION))
        .order_by()
    )
    days: dict[int, dict[datetime.date, Day]] = defaultdict(lambda: defaultdict(Day))
    for item in rows:
        day = days[item["provider"]][item["date"]]
        day.sessions += item["n"]
        day.seconds += _seconds(item["total"])
    return days


def adjustments(*, school: School | None, first: datetime.date, last: datetime.date, user=None):
    queryset = WorkloadAdjustment.objects.filter(date__gte=first, date__lte=last)
    if school is not None:
        queryset = queryset.filter(school=school)
    if user is not None:
        queryset = queryset.filter(teacher=user)
    return queryset.select_related("teacher", "provider", "created_by", "school").order_by("date", "created")


@dataclass
class WorkloadLine:
    key: str  # "t<id>" or "p<id>"
    name: str
    sessions: int
    held_hours: Decimal
    adjusted_hours: Decimal
    adjusted_sessions: int

    @property
    def hours(self) -> Decimal:
        return self.held_hours + self.adjusted_hours

    @property
    def total_sessions(self) -> int:
        return self.sessions + self.adjusted_sessions


@dataclass
class HeldWorkload:
    month: datetime.date
    teachers: list[WorkloadLine]
    providers: list[WorkloadLine]
    adjustments: list[WorkloadAdjustment]


def hours_of(seconds: int) -> Decimal:
    return cents(Decimal(seconds) / HOUR_SECONDS)


def held_workload(*, month: datetime.date, school: School | None = None, user=None) -> HeldWorkload:
    """Sessions held and hours per teacher and provider in a month, with the admin's adjustments.
    Give a school (everyone there) or a user (their own hours, at any school). Six queries."""
    first, last = month_bounds(month)
    t_days = teacher_days(school=school, first=first, last=last, user=user)
    p_days = provider_days(school=school, first=first, last=last) if school is not None else {}
    adjusted = list(adjustments(school=school, first=first, last=last, user=user))
    t_adjust: dict[int, Decimal] = defaultdict(Decimal)
    p_adjust: dict[int, int] = defaultdict(int)
    for item in adjusted:
        if item.teacher_id:
            t_adjust[item.teacher_id] += item.hours
        else:
            p_adjust[item.provider_id] += item.sessions
    teacher_ids = set(t_days) | set(t_adjust)
    provider_ids = set(p_days) | set(p_adjust)
    names = (
        {f"t{u.pk}": u.display_name for u in User.objects.filter(pk__in=teacher_ids)} if teacher_ids else {}
    )
    if provider_ids:
        names.update({f"p{p.pk}": p.name for p in Provider.objects.filter(pk__in=provider_ids)})
    teachers = [
        WorkloadLine(
            key=f"t{pk}",
            name=names.get(f"t{pk}", ""),
            sessions=sum(d.sessions for d in t_days.get(pk, {}).values()),
            held_hours=hours_of(sum(d.seconds for d in t_days.get(pk, {}).values())),
            adjusted_hours=t_adjust.get(pk, Decimal(0)),
            adjusted_sessions=0,
        )
        for pk in teacher_ids
    ]
    providers = [
        WorkloadLine(
            key=f"p{pk}",
            name=names.get(f"p{pk}", ""),
            sessions=sum(d.sessions for d in p_days.get(pk, {}).values()),
            held_hours=hours_of(sum(d.seconds for d in p_days.get(pk, {}).values())),
            adjusted_hours=Decimal(0),
            adjusted_sessions=p_adjust.get(pk, 0),
        )
        for pk in provider_ids
    ]
    teachers.sort(key=lambda r: r.name)
    providers.sort(key=lambda r: r.name)
    return HeldWorkload(month=first, teachers=teachers, providers=providers, adjustments=adjusted)


def month_start(value: str | None, default: datetime.date) -> datetime.date:
    """?month=2026-12 → 2026-12-01; anything else → the default month."""
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return default.replace(day=1)


def providers_at_school(school: School) -> QuerySet[Provider]:
    """Providers running an activity at the school (for adjustments)."""
    ids = Activity.objects.filter(school=school, provider__isnull=False).values("provider_id")
    return Provider.objects.filter(pk__in=ids).order_by("name")


def adjustable_teachers(school: School) -> QuerySet[User]:
    return staff_for_school(school)


# --- claims: purchase contracts ------------------------------------------------------------


def contracts_by_provider(school: School, first: datetime.date, last: datetime.date) -> dict[int, int]:
    """The purchase contract in force with each provider over the period, the nearest region's first."""
    chain = chain_codes(school)
    found: dict[int, tuple[int, int]] = {}
    for contract in PurchaseContract.objects.filter(
        region__code__in=chain, start__lte=last, end__gte=first
    ).select_related("region"):
        rank = chain.index(contract.region.code)
        if contract.provider_id not in found or rank < found[contract.provider_id][0]:
            found[contract.provider_id] = (rank, contract.pk)
    return {provider: pk for provider, (_rank, pk) in found.items()}


# --- claims: lists --------------------------------------------------------------------------


def claim_list(*, school: School) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(school=school)
        .select_related("term", "school")
        .annotate(line_count=Count("lines"))
        .order_by("-period_start", "-pk")
    )


def claim_queue(*, user, status: str = "") -> QuerySet[Claim]:
    """The claims under a bureau officer, those waiting for a decision first; `to_decide` marks the
    ones their own county decides."""
    queryset = claims_for(user).exclude(status=Claim.Status.DRAFT)
    if status:
        queryset = queryset.filter(status=status)
    own = claims_decided_by(user).filter(pk=OuterRef("pk"))
    return (
        queryset.select_related("school__region", "term")
        .annotate(to_decide=Exists(own))
        .order_by("-to_decide", "status", "-period_start", "school__name")
    )


def claim_lines(claim: Claim) -> list[ClaimLine]:
    """Teachers, then providers, then the students line; by name within each. One query."""
    lines = claim.lines.select_related("contract").order_by("label", "pk")
    return sorted(lines, key=lambda line: LINE_ORDER[line.kind])


def claim_totals(lines) -> dict:
    totals = {"sessions": 0, "hours": Decimal(0), "students": 0, "gross": Decimal(0), "amount": Decimal(0)}
    for line in lines:
        totals["sessions"] += line.sessions
        totals["hours"] += line.hours
        totals["students"] += line.students
        totals["gross"] += line.gross
        totals["amount"] += line.amount
    return totals


def budget_for_claim(claim: Claim) -> Budget | None:
    return (
        Budget.objects.filter(region_id=claim.school.region_id, fiscal_year=claim.fiscal_year)
        .select_related("region")
        .first()
    )


def unrated_lines(lines) -> list[ClaimLine]:
    return [line for line in lines if line.unrated]


# --- funding --------------------------------------------------------------------------------


def budget_list(user) -> QuerySet[Budget]:
    paid = Sum("claims__total", filter=Q(claims__status=Claim.Status.PAID))
    return (
        budgets_for(user)
        .select_related("region")
        .annotate(paid=paid)
        .order_by("-fiscal_year", "region__code")
    )


def contract_list(user) -> QuerySet[PurchaseContract]:
    claimed = Sum(
        "claim_lines__amount",
        filter=Q(claim_lines__claim__status__in=[Claim.Status.APPROVED, Claim.Status.PAID]),
    )
    return (
        contracts_for(user)
        .select_related("region", "provider")
        .annotate(claimed=claimed)
        .order_by("-start", "number")
    )


def rate_list(user) -> QuerySet[Rate]:
    return rates_for(user).select_related("region").order_by("region__code", "kind", "-effective_from")


def providers_for_region(region: Region) -> QuerySet[Provider]:
    """Providers a region may contract with: registered on its reporting chain or under it."""
    codes = region.chain_codes
    return Provider.objects.filter(
        Q(region__code__in=codes) | Q(region__report_path__startswith=region.report_path)
    ).order_by("name")


# --- complaints -----------------------------------------------------------------------------


def complaint_queue(*, user) -> QuerySet[Complaint]:
    return (
        complaints_handled_by(user)
        .select_related("school", "student__class_group", "guardian")
        .order_by("status", "-created")
    )


def complaint_notes(complaint: Complaint):
    return complaint.notes.select_related("author").order_by("created", "pk")


def complaint_counts_by_kind(*, schools: QuerySet[School]) -> dict[str, int]:
    """How many complaints of each kind concern these schools (for F8's indicators). One query."""
    counts = dict.fromkeys(Complaint.Kind.values, 0)
    rows = Complaint.objects.filter(school__in=schools).values("kind").annotate(n=Count("pk")).order_by()
    for row in rows:
        counts[row["kind"]] = row["n"]
    return counts


@dataclass
class CountRow:
    region: Region
    counts: list[int]  # by Complaint.Kind, in order
    open: int

    @property
    def total(self) -> int:
        return sum(self.counts)


def complaint_counts_by_county(*, user) -> list[CountRow]:
    """Complaints per county under a bureau officer, by kind, and how many are not yet answered.
    Two queries."""
    regions = {r.pk: r for r in access.regions_for(user).filter(level=Region.Level.COUNTY).order_by("code")}
    rows = (
        Complaint.objects.filter(school__region_id__in=list(regions))
        .values("school__region_id", "kind")
        .annotate(n=Count("pk"), open=Count("pk", filter=~Q(status=Complaint.Status.ANSWERED)))
        .order_by()
    )
    kinds = Complaint.Kind.values
    table = {pk: CountRow(region=r, counts=[0] * len(kinds), open=0) for pk, r in regions.items()}
    for row in rows:
        entry = table[row["school__region_id"]]
        entry.counts[kinds.index(row["kind"])] = row["n"]
        entry.open += row["open"]
    return [table[pk] for pk in regions]


def terms_of_school(school: School) -> QuerySet[Term]:
    return school.terms.order_by("-start")
