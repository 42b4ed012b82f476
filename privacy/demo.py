"""Demo privacy notice (version 1) and the consent records of s1's guardians: the child's data for
every child, the priority-group data for children with a priority group; and a week of access-log
rows for s1's 三年级(1)班, so that s1_parent's "who viewed your child's data" page for 刘子涵 has
entries. Idempotent."""

import datetime

from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from privacy.models import ConsentRecord, PrivacyNotice
from schools.models import ClassGroup, Guardianship, School, Student, User

TITLE = "课后服务平台个人信息保护告知书"
BODY = (
    "本平台由教育行政部门和学校用于组织课后服务。我们处理的个人信息包括：学生姓名、性"
    "别、出生日期、学籍号、班级，监护人姓名、手机号码，接送人姓名、手机号码、身份证后"
    "四位，以及考勤、接送记录。\n\n"
    "处理目的：课后服务申请与审核、安排、考勤、安全接送与经费核算。不满十四周岁未成年"
    "人的个人信息属于敏感个人信息，我们仅在您同意后处理。\n\n"
    "留守儿童、进城务工人员随迁子女、家庭经济困难、残疾等优先保障信息属于敏感个人信息"
    "，单独征得您的同意，您可随时撤回；撤回后该信息即被删除。\n\n"
    "学生离校后，其个人信息在所在地区规定的保存期限届满后匿名化处理。您可以向学校查阅"
    "、更正个人信息。"
)


# (username, days before today, hour, URL name) — what the school's staff typically open in a week.
ACCESS_DEMO = [
    ("s1_head31", 6, 8, "home"),
    ("s1_head31", 5, 8, "home"),
    ("s1_admin", 4, 10, "schools:student-list"),
    ("s1_head31", 3, 8, "home"),
    ("s1_admin", 2, 15, "safety:still-here"),
    ("s1_head31", 1, 8, "home"),
]


def access_log_build(out=None) -> None:
    """The class's children as the class teacher's home page and the school admin's pages log them."""
    group = ClassGroup.objects.filter(school__identifier="4101020001", grade=3, number=1).first()
    users = {u.username: u for u in User.objects.filter(username__in={row[0] for row in ACCESS_DEMO})}
    if group is None or len(users) < 2:
        return
    codes = [str(c) for c in Student.objects.filter(class_group=group).values_list("code", flat=True)]
    if AccessLog.objects.filter(user=users["s1_head31"], target_id__in=codes).exists():
        return
    today = timezone.localdate()
    for username, days, hour, page in ACCESS_DEMO:
        path = reverse(page)
        day = today - datetime.timedelta(days=days)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 5)))
        user = users[username]
        rows = AccessLog.objects.bulk_create(
            [AccessLog(user=user, target_type="schools.student", target_id=c, path=path) for c in codes]
        )
        # `at` is stamped at insert; the demo's history is back-dated once, here (append-only in code).
        AccessLog._base_manager.filter(pk__in=[r.pk for r in rows]).update(at=at)
    if out:
        out.write(f"Privacy: {len(ACCESS_DEMO)} page views of {group.display_name} in the access log.")


def build(out=None) -> None:
    access_log_build(out)
    notice = PrivacyNotice.objects.filter(version=1).first()
    if notice is None:
        notice = PrivacyNotice.objects.create(
            version=1, title=TITLE, body=BODY, published_by=User.objects.filter(username="admin").first()
        )
    school = School.objects.filter(identifier="4101020001").first()  # s1
    if school is None or ConsentRecord.objects.filter(student__school=school).exists():
        return
    rows = []
    for link in Guardianship.objects.filter(student__school=school).select_related("student"):
        rows.append(
            ConsentRecord(
                guardian_id=link.guardian_id,
                student=link.student,
                notice=notice,
                purpose=ConsentRecord.Purpose.PERSONAL,
            )
        )
        if link.student.is_priority:
            rows.append(
                ConsentRecord(
                    guardian_id=link.guardian_id,
                    student=link.student,
                    notice=notice,
                    purpose=ConsentRecord.Purpose.SENSITIVE,
                )
            )
    ConsentRecord.objects.bulk_create(rows, batch_size=1000)
    if out:
        out.write(f"Privacy: notice v1, {len(rows)} consent records at {school.name}.")
