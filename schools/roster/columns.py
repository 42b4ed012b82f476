"""The roster's columns (the Chinese headers school registers use), the limits of a file, and
the shapes the reading, checking and planning steps hand on."""

import re
from dataclasses import dataclass, field

# Header, field, required. The order is the template's and the export's.
COLUMNS = [
    ("姓名", "name", True),
    ("性别", "gender", True),
    ("全国学籍号", "student_number", True),
    ("出生日期", "birth_date", True),
    ("年级", "grade", True),
    ("班级", "class_number", True),
    ("监护人姓名", "guardian_name", True),
    ("监护人手机号", "guardian_mobile", True),
    ("与学生关系", "relationship", True),
    ("留守儿童", "left_behind", False),
    ("进城务工人员随迁子女", "migrant", False),
    ("低收入家庭", "low_income", False),
    ("残疾", "disability", False),
    ("其他需要", "other_priority_note", False),
]
HEADERS = [header for header, _field, _required in COLUMNS]
FIELD_OF = {header: name for header, name, _required in COLUMNS}
HEADER_OF = {name: header for header, name, _required in COLUMNS}
REQUIRED = [header for header, _field, required in COLUMNS if required]
# Other spellings found in school registers.
ALIASES = {
    "学籍号": "全国学籍号",
    "学生姓名": "姓名",
    "出生年月日": "出生日期",
    "班别": "班级",
    "家长姓名": "监护人姓名",
    "家长手机号": "监护人手机号",
    "监护人电话": "监护人手机号",
    "家长电话": "监护人手机号",
    "关系": "与学生关系",
    "随迁子女": "进城务工人员随迁子女",
}
# Identifiers are shown masked in error lists; names are not shown at all.
MASKED = {"全国学籍号", "监护人手机号"}
HIDDEN = {"姓名", "监护人姓名", "与学生关系", "其他需要"}

MAX_ROWS = 20_000
MAX_ERRORS = 1_000  # stored and shown; the page says how many more there were
MAX_UNPACKED = 100 * 1024 * 1024  # a 5 MB .xlsx never unpacks to more: anything larger is a zip bomb
CHUNK = 900  # values per IN (...) query: below SQLite's oldest variable limit

GENDERS = {"男": "M", "女": "F", "男生": "M", "女生": "F", "M": "M", "F": "F"}
YES = {"是", "Y", "YES", "TRUE", "1", "√", "✓", "有"}
NO = {"", "否", "N", "NO", "FALSE", "0", "×", "无"}
CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
JUNIOR_GRADES = {"初一": 7, "初二": 8, "初三": 9}
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
CLASS_RE = re.compile(r"^(?:.{1,3}年级)?\(?([0-9一二三四五六七八九十]{1,3})\)?班?$")


@dataclass
class RowError:
    row: int | None  # spreadsheet row; None for the whole file
    column: str
    message: str
    value: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message, "value": self.value}


@dataclass
class Table:
    headers: list[str]  # canonical headers, in the file's order
    columns: dict[str, int]  # field name -> index in a row
    rows: list[tuple[int, tuple]]  # (spreadsheet row, values), blank rows left out


@dataclass
class Plan:
    """What an import would write, once every row passed."""

    rows: list[dict] = field(default_factory=list)
    classes_new: set = field(default_factory=set)  # {(grade, number)}
    class_ids: dict = field(default_factory=dict)  # {(grade, number): id}
    # mobile -> id of the existing account asked to confirm the link (a GuardianLink)
    link_user_ids: dict = field(default_factory=dict)
    guardians_new: dict = field(default_factory=dict)  # mobile -> name

    def counts(self) -> dict:
        return {
            "students": len(self.rows),
            "classes_new": len(self.classes_new),
            "guardians_new": len(self.guardians_new),
            "guardians_linked": len(self.link_user_ids),
            "accounts_new": len(self.guardians_new),
        }
