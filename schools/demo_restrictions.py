"""Demo records of F13: a second guardian of an s1 child whom the school restricted (a court order:
may not collect the child or see the child's pages). Not one of docs/demo.md's named families."""

from schools import services
from schools.models import ClassGroup, Guardianship, School, Student, User


def build(*, out=None) -> None:
    school = School.objects.filter(identifier="4101020001").first()  # s1
    group = ClassGroup.objects.filter(school=school, grade=6, number=2).first() if school else None
    if group is None or Guardianship.objects.filter(student__class_group=group, restricted=True).exists():
        return
    child = Student.objects.filter(class_group=group).order_by("pk")[1]
    admin = User.objects.get(username="s1_admin")
    if out:
        out.write(f"  {school.name}: a restricted guardian\n")
    link = services.guardianship_add(
        student=child, name="赵建军", mobile="13700009001", relationship="父亲", actor=admin
    )
    services.guardianship_restrict(link=link, reason="法院裁定不得接送（演示数据）", actor=admin)
