"""A claim as .xlsx for finance: Chinese headers, one row per payee, a total row, and a sheet with the
claim's particulars. Text cells pass schools.spreadsheets.neutralise (no formula injection)."""

import tablib
from django.utils import timezone

from schools.spreadsheets import neutralise
from subsidies.models import Claim, ClaimLine
from subsidies.selectors import claim_totals

LINE_HEADERS = [
    "序号",
    "类别",
    "姓名/单位",
    "课次",
    "课时（小时）",
    "学生人次",
    "补助标准（元）",
    "月封顶（元）",
    "封顶前金额（元）",
    "金额（元）",
    "无标准课时/课次",
    "购买服务合同",
]
KIND_LABELS = {
    ClaimLine.Kind.TEACHER: "教师",
    ClaimLine.Kind.PROVIDER: "机构",
    ClaimLine.Kind.STUDENT: "学生",
}
STATUS_LABELS = {
    Claim.Status.DRAFT: "已编制",
    Claim.Status.SUBMITTED: "已提交",
    Claim.Status.RETURNED: "已退回",
    Claim.Status.APPROVED: "已批准",
    Claim.Status.PAID: "已支付",
}
TOTAL_LABEL = "合计"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def claim_xlsx(claim: Claim, lines: list[ClaimLine]) -> bytes:
    """The workbook's bytes."""
    details = tablib.Dataset(headers=LINE_HEADERS, title="补助明细")
    for number, line in enumerate(lines, start=1):
        details.append(
            [
                number,
                KIND_LABELS[line.kind],
                neutralise(line.label or "服务学生"),
                line.sessions,
                line.hours,
                line.students,
                line.rate if line.rate is not None else "按日期分段",
                line.monthly_cap if line.monthly_cap is not None else "",
                line.gross,
                line.amount,
                line.unrated or "",
                neutralise(line.contract.number) if line.contract_id else "",
            ]
        )
    totals = claim_totals(lines)
    details.append(
        [
            TOTAL_LABEL,
            "",
            "",
            totals["sessions"],
            totals["hours"],
            totals["students"],
            "",
            "",
            totals["gross"],
            totals["amount"],
            "",
            "",
        ]
    )
    about = tablib.Dataset(headers=["项目", "内容"], title="申报信息")
    for label, value in (
        ("学校", claim.school.name),
        ("区县", claim.school.region.name),
        ("申报期间", claim.period_label),
        ("起止日期", f"{claim.period_start:%Y-%m-%d} 至 {claim.period_end:%Y-%m-%d}"),
        ("财政年度", claim.fiscal_year),
        ("状态", STATUS_LABELS[claim.status]),
        ("申报金额合计（元）", claim.total),
        ("编制人", str(claim.prepared_by)),
        ("提交时间", _when(claim.submitted_at)),
        ("审批人", str(claim.decided_by) if claim.decided_by_id else ""),
        ("审批时间", _when(claim.decided_at)),
        ("支付凭证号", claim.payment_reference),
        ("支付时间", _when(claim.paid_at)),
    ):
        about.append([label, neutralise(value)])
    return tablib.Databook([details, about]).export("xlsx")
