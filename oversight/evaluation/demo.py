"""Demo evaluation data (F8) for the term behind today (schools.schoolyear: "2026-autumn" when built
in autumn 2026): s1's report submitted to 中原区, s2's accepted
by 郑州市 (金水区 has no bureau account, so s2 reports to the city), s3's returned by 巩义市 with
notes; 郑州市's weights; two good-practice write-ups, s1's featured by 郑州市. Idempotent."""

from django.utils import timezone

from oversight.evaluation import services
from oversight.models import GoodPractice, TermReport, WeightSet
from schools import schoolyear
from schools.models import Region, School, User

NARRATIVE = {
    "4101020001": (
        "本学期面向三至六年级开展课后服务，设置作业辅导、阅读、体育、科技和艺术类活动，"
        "参与学生稳定，家长满意度较高。",
        "部分班级看护教师不足；旧礼堂存在安全隐患，已停止使用。",
        "下学期增加志愿者和校外专业人员参与，完成旧礼堂整改后恢复使用。",
    ),
    "4101050001": (
        "学校坚持“家长自愿、学校组织”，课后服务以作业辅导和体育活动为主，留守儿童全部安排。",
        "活动场地较为紧张。",
        "与社区少年宫合作，拓展校外活动场地。",
    ),
    "4101810001": (
        "课后服务已覆盖全部年级。",
        "暂无。",
        "继续做好。",
    ),
}
WEIGHTS = {
    "participation": 25,
    "attendance": 20,
    "priority": 20,
    "hours": 10,
    "incidents": 10,
    "complaints": 10,
    "findings": 5,
}
PRACTICES = [
    (
        "4101020001",
        "“阅读+运动”双轨课后服务",
        "每天第一时段集中阅读，第二时段分组运动，兼顾学业与健康。",
        "学校将课后服务分为两个时段：第一时段在图书室和各班教室开展自主阅读和作业辅导，"
        "由语文教师轮流指导；第二时段按兴趣分组开展篮球、跳绳、武术等运动。\n\n"
        "每个活动组设安全员，交接班时清点人数，放学时逐一交给家长或委托接送人。",
        True,
    ),
    (
        "4101050001",
        "家校社协同做好留守儿童课后服务",
        "建立留守儿童台账，优先安排、专人联系，社区志愿者参与。",
        "学校对留守儿童和进城务工人员随迁子女逐一建档，优先安排参加课后服务，"
        "每名学生由一名教师专门联系，每月与监护人沟通一次。社区志愿者每周两次参与陪伴阅读。",
        False,
    ),
]


def _report(school: School, admin: User, term: str) -> TermReport:
    report = services.report_prepare(school=school, term=term, user=admin)
    summary, problems, plans = NARRATIVE[school.identifier]
    return services.report_update(report=report, user=admin, summary=summary, problems=problems, plans=plans)


def build(*, out=None) -> None:
    term = schoolyear.history_term(timezone.localdate()).key
    if TermReport.objects.filter(term=term).exists():
        return
    if out:
        out.write(f"  evaluation: term reports, weights and good practice for {term}\n")
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["s1_admin", "s2_admin", "s3_admin", "zz_bureau", "gy_bureau"]
        )
    }
    schools = {s.identifier: s for s in School.objects.filter(identifier__in=NARRATIVE)}
    s1 = _report(schools["4101020001"], users["s1_admin"], term)
    services.report_submit(report=s1, user=users["s1_admin"])
    s2 = _report(schools["4101050001"], users["s2_admin"], term)
    s2 = services.report_submit(report=s2, user=users["s2_admin"])
    services.report_accept(report=s2, officer=users["zz_bureau"])
    s3 = _report(schools["4101810001"], users["s3_admin"], term)
    s3 = services.report_submit(report=s3, user=users["s3_admin"])
    services.report_return(
        report=s3,
        officer=users["gy_bureau"],
        note="工作总结过于简单：请补充参与率、出勤率和安全管理情况，并写明存在的问题和具体改进措施。",
    )
    if not WeightSet.objects.filter(region__code="4101", term=term).exists():
        services.weights_set(
            region=Region.objects.get(code="4101"), term=term, weights=WEIGHTS, officer=users["zz_bureau"]
        )
    zhengzhou = Region.objects.get(code="4101")
    for identifier, title, summary, body, featured in PRACTICES:
        if GoodPractice.objects.filter(title=title).exists():
            continue
        school = schools[identifier]
        admin = users["s1_admin"] if identifier == "4101020001" else users["s2_admin"]
        practice = services.practice_submit(
            school=school, user=admin, title=title, summary=summary, body=body
        )
        if featured:
            services.practice_decide(
                practice=practice, officer=users["zz_bureau"], feature=True, region=zhengzhou
            )
