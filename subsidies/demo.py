"""Demo funding, claims and complaints (docs/demo.md, F7): rates set by 郑州市, 中原区 (a change from
November), 巩义市 and 河南省 (per student); budgets of the three counties; two purchase-of-services
contracts with 郑州市青少年体育俱乐部; claims of s1–s3 in every state for the last two complete months
with term days (built on 29 November 2026: September and October 2026); and guardians' reports to
the bureau, one answered and shared with s1.

Dated by schools.schoolyear: rates, contracts and their numbers follow the school year of the
term behind today (2026 for 2026–27), budgets the years of the claimed months.

Claims need held sessions (roll call taken). F5's attendance demo takes roll calls for the four weeks
before today; for the claimed months, any school-month with no held session gets its sessions
marked held here (a stand-in for those earlier roll calls), so that the claims have something to count.

Idempotent: each rate, budget, contract, claim and report is made only where it does not exist.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from activities.models import Provider, Session
from activities.selectors import month_bounds
from schools import schoolyear
from schools.models import Guardian, Region, School, User
from schools.selectors import bureau_for_school
from subsidies import services
from subsidies.models import Budget, Claim, Complaint, PurchaseContract, Rate

# region code, kind, amount, monthly cap, in force from (month, day of the school year's first
# year), set by
RATES = [
    ("4101", Rate.Kind.TEACHER_HOUR, "50.00", "1500.00", (1, 1), "zz_bureau"),
    ("4101", Rate.Kind.PROVIDER_SESSION, "300.00", None, (1, 1), "zz_bureau"),
    ("410102", Rate.Kind.TEACHER_HOUR, "60.00", "1800.00", (11, 1), "zy_bureau"),
    ("410181", Rate.Kind.TEACHER_HOUR, "45.00", "1200.00", (1, 1), "gy_bureau"),
    ("410181", Rate.Kind.PROVIDER_SESSION, "280.00", None, (1, 1), "gy_bureau"),
    ("41", Rate.Kind.STUDENT, "10.00", None, (9, 1), "hn_bureau"),
]
# region code, total, set by (金水区 has no bureau account in the demo: 郑州市 entered it)
BUDGETS = [
    ("410102", "200000.00", "zy_bureau"),
    ("410105", "150000.00", "zz_bureau"),
    ("410181", "120000.00", "gy_bureau"),
]
CONTRACTS = [  # the number's year is the school year's: 郑教购〔2026〕017号
    (
        "4101",
        "郑教购〔{year}〕017号",
        "市属及各区小学校园足球课后服务：教练派驻、训练器材与比赛组织。",
        "80000.00",
        "zz_bureau",
    ),
    ("410102", "中原教购〔{year}〕003号", "中原区小学课后服务足球、篮球活动指导。", "30000.00", "zy_bureau"),
]
FOOTBALL_CLUB = "豫体培字〔2024〕0137号"
# school identifier, month (0: the first of the two claimed months, 1: the second), the state to
# leave the claim in, the officer who decides it
CLAIMS = [
    ("4101020001", 0, Claim.Status.PAID, "zy_bureau"),
    ("4101020001", 1, Claim.Status.APPROVED, "zy_bureau"),
    ("4101050001", 0, Claim.Status.DRAFT, None),
    ("4101050001", 1, Claim.Status.SUBMITTED, None),
    ("4101810001", 0, Claim.Status.APPROVED, "gy_bureau"),
    ("4101810001", 1, Claim.Status.RETURNED, "gy_bureau"),
]
RETURN_NOTE = "10月共享课后服务教师的课时重复计算，请核对后重新计算提交。"
# guardian, child, kind, what happened, may the school know, handling, reply, summary for the school
COMPLAINTS = [
    (
        "s1_parent",
        "刘浩然",
        Complaint.Kind.CHARGING,
        "班级群里通知课后服务足球活动每人需交200元“器材费”，说不交就不能参加。",
        False,
        "已电话联系学校分管副校长核实：系个别教师擅自通知，学校已撤回通知，未实际收取。",
        "经核实，学校未收取任何费用，相关通知已撤回。课后服务免费，器材由政府购买服务合同保障。感谢您的监督。",
        "有家长反映班级群内出现课后服务收取“器材费”的通知。请学校立即自查，撤回通知，并在3日内书面说明。",
    ),
    (
        "s1_parent2",
        "陈雨桐",
        Complaint.Kind.FORCED,
        "班主任说全班都必须参加课后服务，不参加要写说明。",
        True,
        "",
        "",
        "",
    ),
    (
        "s2_parent",
        "杨一诺",
        Complaint.Kind.EXTRA_LESSONS,
        "课后服务时间老师在讲新课，还布置了练习卷。",
        False,
        # 金水区 has no bureau account in the demo: the report reaches 郑州市 (F12), which handles it.
        "金水区教育局尚未开通平台账号，由市教育局受理；已电话联系学校核实课后服务时段的安排。",
        "",
        "",
    ),
    (
        "s3_parent",
        "黄佳琪",
        Complaint.Kind.SAFETY,
        "放学接孩子时校门口车辆很多，没有老师在门口维持秩序。",
        True,
        "已安排人员于放学时段到校门口查看，正在与学校和交警中队协调。",
        "",
        "",
    ),
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def build(*, out=None) -> None:
    regions = {
        r.code: r for r in Region.objects.filter(code__in=["41", "4101", "410102", "410105", "410181"])
    }
    if len(regions) < 5:
        return
    if out:
        out.write("  subsidies: rates, budgets, contracts, claims, reports\n")
    today = timezone.localdate()
    year = schoolyear.history_term(today).school_year
    months = schoolyear.claim_months(today)
    _rates(regions, year)
    _budgets(regions, sorted({m.year for m in months}))
    _contracts(regions, year)
    for identifier, which, state, officer in CLAIMS:
        school = School.objects.filter(identifier=identifier).select_related("region").first()
        if school is not None:
            _claim(school, months[which], state, _user(officer) if officer else None)
    for username, child, kind, text, share, note, reply, summary in COMPLAINTS:
        _complaint(username, child, kind, text, share, note, reply, summary)


def _rates(regions: dict, year: int) -> None:
    for code, kind, amount, cap, (month, day), who in RATES:
        since = datetime.date(year, month, day)
        if not Rate.objects.filter(region=regions[code], kind=kind, effective_from=since).exists():
            services.rate_set(
                region=regions[code],
                kind=kind,
                amount=Decimal(amount),
                monthly_cap=Decimal(cap) if cap else None,
                effective_from=since,
                actor=_user(who),
            )


def _budgets(regions: dict, fiscal_years: list[int]) -> None:
    for code, total, who in BUDGETS:
        for fiscal_year in fiscal_years:
            if not Budget.objects.filter(region=regions[code], fiscal_year=fiscal_year).exists():
                services.budget_save(
                    region=regions[code],
                    fiscal_year=fiscal_year,
                    total=Decimal(total),
                    note="",
                    actor=_user(who),
                )


def _contracts(regions: dict, year: int) -> None:
    club = Provider.objects.filter(licence=FOOTBALL_CLUB).first()
    if club is None:
        return
    for code, number, scope, amount, who in CONTRACTS:
        number = number.format(year=year)
        if not PurchaseContract.objects.filter(number=number).exists():
            services.contract_save(
                region=regions[code],
                provider=club,
                number=number,
                scope=scope,
                amount=Decimal(amount),
                start=datetime.date(year, 9, 1),
                end=datetime.date(year + 1, 1, 31),
                actor=_user(who),
            )


def _claim(school: School, month: datetime.date, state: str, officer: User | None) -> None:
    first, last = month_bounds(month)
    if Claim.objects.filter(school=school, period_start__lte=last, period_end__gte=first).exists():
        return
    sessions = Session.objects.filter(group__activity__school=school, date__gte=first, date__lte=last)
    if not sessions.filter(has_records=True).exists():
        sessions.update(has_records=True)  # stand-in for the roll calls of that month (see above)
    admin = (
        User.objects.filter(memberships__school=school, memberships__role="school_admin")
        .order_by("pk")
        .first()
    )
    claim = services.claim_prepare(school=school, actor=admin, month=first)
    if state == Claim.Status.DRAFT:
        return
    services.claim_submit(claim=claim, actor=admin)
    if state == Claim.Status.RETURNED:
        services.claim_return(claim=claim, officer=officer, note=RETURN_NOTE)
        return
    if state in (Claim.Status.APPROVED, Claim.Status.PAID):
        services.claim_approve(claim=claim, officer=officer)
    if state == Claim.Status.PAID:
        reference = f"中原财支〔{month:%Y}〕{month:%m}17号"
        services.claim_mark_paid(claim=claim, officer=officer, reference=reference)


def _complaint(username, child, kind, text, share, note, reply, summary) -> None:
    guardian = Guardian.objects.filter(user__username=username).first()
    if guardian is None or Complaint.objects.filter(guardian=guardian, kind=kind).exists():
        return
    student = guardian.students.filter(name=child).select_related("school").first()
    if student is None:
        return
    complaint = services.complaint_submit(
        guardian=guardian, student=student, kind=kind, description=text, share_identity=share
    )
    bureau = bureau_for_school(student.school)  # 金水区 has no officer: 郑州市 handles s2's reports
    if bureau is None:
        return
    officer = bureau.officers[0]
    if note:
        services.complaint_note_add(complaint=complaint, officer=officer, text=note)
    if reply:
        services.complaint_reply(complaint=complaint, officer=officer, text=reply)
    if summary:
        services.complaint_share(complaint=complaint, officer=officer, summary=summary)
