"""The school's roster exported with the import's headers, and the empty template to fill in."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop
from import_export import resources
from import_export.fields import Field

from schools import selectors
from schools.models import GRADE_NAMES, School, Student
from schools.roster.columns import COLUMNS, HEADERS
from schools.roster.reading import RosterXLSX
from schools.spreadsheets import neutralise


def _yes_no(flag: bool) -> str:
    return "是" if flag else "否"


class StudentRosterResource(resources.ModelResource):
    """The school's roster with the import's Chinese headers: one row per student, with the first
    guardian (the one the import created). The school's own records keep the full numbers."""

    name = Field(attribute="name", column_name="姓名")
    gender = Field(column_name="性别")
    student_number = Field(attribute="student_number", column_name="全国学籍号")
    birth_date = Field(column_name="出生日期")
    grade = Field(column_name="年级")
    class_number = Field(column_name="班级")
    guardian_name = Field(column_name="监护人姓名")
    guardian_mobile = Field(column_name="监护人手机号")
    relationship = Field(column_name="与学生关系")
    left_behind = Field(column_name="留守儿童")
    migrant = Field(column_name="进城务工人员随迁子女")
    low_income = Field(column_name="低收入家庭")
    disability = Field(column_name="残疾")
    other_priority_note = Field(attribute="other_priority_note", column_name="其他需要")

    class Meta:
        model = Student
        fields = [name for _header, name, _required in COLUMNS]
        export_order = fields

    def iter_queryset(self, queryset):
        # One query plus one prefetch, whatever the size (import-export would page it).
        yield from queryset

    def export_resource(self, instance, selected_fields=None, **kwargs):
        return [neutralise(v) for v in super().export_resource(instance, selected_fields, **kwargs)]

    @staticmethod
    def _link(student):
        return student.links[0] if student.links else None

    def dehydrate_gender(self, student):
        return "男" if student.gender == Student.Gender.MALE else "女"

    def dehydrate_birth_date(self, student):
        return student.birth_date.isoformat()

    def dehydrate_grade(self, student):
        return f"{GRADE_NAMES.get(student.class_group.grade, student.class_group.grade)}年级"

    def dehydrate_class_number(self, student):
        return f"({student.class_group.number})班"

    def dehydrate_guardian_name(self, student):
        link = self._link(student)
        return link.guardian.name if link else ""

    def dehydrate_guardian_mobile(self, student):
        link = self._link(student)
        return link.guardian.mobile if link else ""

    def dehydrate_relationship(self, student):
        link = self._link(student)
        return link.relationship if link else ""

    def dehydrate_left_behind(self, student):
        return _yes_no(student.left_behind)

    def dehydrate_migrant(self, student):
        return _yes_no(student.migrant)

    def dehydrate_low_income(self, student):
        return _yes_no(student.low_income)

    def dehydrate_disability(self, student):
        return _yes_no(student.disability)


def roster_export_queryset(*, school: School):
    return (
        Student.objects.filter(school=school, active=True)
        .select_related("class_group")
        .prefetch_related(selectors.guardian_links_prefetch())
        .order_by("class_group__grade", "class_group__number", "name", "pk")
    )


def roster_export_xlsx(*, school: School) -> tuple[bytes, int]:
    """The school's roster as .xlsx bytes, and the number of students in it."""
    dataset = StudentRosterResource().export(queryset=roster_export_queryset(school=school))
    dataset.title = "花名册"
    return RosterXLSX().export_data(dataset), dataset.height


def roster_template_xlsx() -> bytes:
    """An empty roster with the headers, text-formatted identifier columns and a sheet of notes."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(HEADERS)
    sheet.freeze_panes = "A2"
    for index, (header, _name, required) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True, color="C00000" if required else "000000")
        sheet.column_dimensions[letter].width = max(10, len(header) * 2 + 4)
        if header in ("全国学籍号", "监护人手机号"):
            # Text cells: Excel would otherwise turn long digit strings into 1.38E+10.
            for row in range(2, 2002):
                sheet.cell(row=row, column=index).number_format = "@"
    notes = book.create_sheet(_("Notes"))
    notes.append([_("Column"), _("Required"), _("How to fill it in"), _("Example")])
    for header, _name, required in COLUMNS:
        how, example = TEMPLATE_NOTES[header]
        notes.append([header, _yes_no(required), str(how), example])
    notes.append([])
    notes.append(["", "", _(ROW_NOTE), ""])
    for letter, width in zip("ABCD", (22, 6, 60, 24), strict=True):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ROW_NOTE = gettext_noop(
    "Row 1 holds the headers; students start on row 2. Problems are reported by Excel row number. "
    "Only the first sheet is imported."
)
TEMPLATE_NOTES = {
    "姓名": (_lazy("The student's name, at most 50 characters"), "王子涵"),
    "性别": (_lazy("男 or 女"), "男"),
    "全国学籍号": (
        _lazy(
            "G and the 18-character ID number (its check digit is verified), or the number the register gives"
        ),
        "G410102201805061237",
    ),
    "出生日期": (_lazy("2018-05-06, 2018/5/6 or an Excel date"), "2018-05-06"),
    "年级": (_lazy("1 to 9, or like 三年级"), "三年级"),
    "班级": (_lazy("1, 1班 or (1)班; classes the school does not have yet are created"), "(1)班"),
    "监护人姓名": (
        _lazy("At most 50 characters; brothers and sisters share one guardian and mobile"),
        "王建国",
    ),
    "监护人手机号": (_lazy("11-digit mainland mobile number; the parent signs in with it"), "13800138000"),
    "与学生关系": (_lazy("父亲, 母亲, 爷爷, 奶奶 …"), "父亲"),
    "留守儿童": (_lazy("是 or 否; empty means 否"), "否"),
    "进城务工人员随迁子女": (_lazy("是 or 否; empty means 否"), "否"),
    "低收入家庭": (_lazy("是 or 否; empty means 否"), "否"),
    "残疾": (_lazy("是 or 否; empty means 否"), "否"),
    "其他需要": (_lazy("Any other need the school should know, at most 200 characters"), ""),
}
