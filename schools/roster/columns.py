"""The roster's columns (the Chinese headers school registers use), the limits of a file, and
the shapes the reading, checking and planning steps hand on."""

import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields

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
# Other spellings found in school registers, written as schools write them: they are normalised
# (header_key) like the file's headers, so 学生姓名, 是否留守儿童 or 监护人联系电话 need no entry of
# their own.
ALIASES = {
    "学籍号": "全国学籍号",
    "学籍编号": "全国学籍号",
    "名字": "姓名",
    "出生年月日": "出生日期",
    "出生年月": "出生日期",
    "生日": "出生日期",
    "所在年级": "年级",
    "班别": "班级",
    "班号": "班级",
    "所在班级": "班级",
    "学籍号码": "全国学籍号",
    "关系": "与学生关系",
    "监护人关系": "与学生关系",
    "与监护人关系": "与学生关系",
    "随迁子女": "进城务工人员随迁子女",
    "农民工随迁子女": "进城务工人员随迁子女",
    "低保": "低收入家庭",
    "低保户": "低收入家庭",
    "困难家庭": "低收入家庭",
    "残疾儿童": "残疾",
    "特殊需要": "其他需要",
}
# The rule behind the aliases: a header is reduced to a key (header_key) before it is looked up.
# A question header drops its 是否; the child's own columns drop 学生; a guardian's columns
# (家长, 父亲, 母亲, 联系人) are the 监护人's; every way of writing a phone number is the mobile.
QUESTION_PREFIX = "是否"
STUDENT_PREFIXES = ("学生", "儿童", "幼儿")
GUARDIAN_PREFIXES = ("监护人", "家长", "父母", "父亲", "母亲", "联系人")
GUARDIAN = "监护人"
# A group header above the column headers (a two-level header): 学生信息 over 姓名/学籍号, 监护人信息
# over 姓名/电话. Its person (one of the prefixes above) is put before each header below it.
GROUP_SUFFIXES = ("信息", "情况", "资料")
# longest first: 监护人联系电话 is 监护人 + 联系电话, not 监护人联系 + 电话
PHONE_WORDS = ("联系电话", "联系方式", "联系手机", "移动电话", "手机号码", "电话号码")
PHONE_WORDS += ("手机号", "手机", "电话")
PHONE = "手机"
# Notes schools add to a header: 姓名*, 学籍号（必填）, 出生日期[yyyy-mm-dd], 性别：
HEADER_NOTES_RE = re.compile(r"[(\[【<《].*?[)\]】>》]|[*:：#]")
HEADER_SCAN = 10  # the header row is looked for in the first rows of the sheet


def header_key(raw) -> str:
    """The key a header is looked up by: NFKC, no spaces, no notes, lower case, prefixes folded."""
    text = HEADER_NOTES_RE.sub("", "".join(unicodedata.normalize("NFKC", str(raw or "")).split()))
    text = text.lower().removeprefix(QUESTION_PREFIX)
    for prefix in STUDENT_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text.removeprefix(prefix)
            break
    guardian = False
    for prefix in GUARDIAN_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text, guardian = text.removeprefix(prefix), True
            break
    for word in PHONE_WORDS:
        if text.endswith(word):
            text = text.removesuffix(word) + PHONE
            break
    if text == PHONE:
        return GUARDIAN + PHONE  # the child has no phone in a school register: it is the family's
    return GUARDIAN + text if guardian else text


# key -> field, from the headers themselves and their aliases
FIELD_OF_KEY = {header_key(header): name for header, name, _required in COLUMNS} | {
    header_key(alias): FIELD_OF[header] for alias, header in ALIASES.items()
}
# A column whose key holds one of these but matches no field resembles that field: the school
# admin is asked (家庭电话 may be the mobile; 父亲电话 and 母亲电话 both could be).
RESEMBLES = {key: name for key, name in FIELD_OF_KEY.items() if len(key) >= 2}
RESEMBLES[PHONE] = "guardian_mobile"
NO_HEADER = "?"

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
class ColumnPlan:
    """Which column of the file feeds which field: found by the headers, or chosen by the school
    admin where a header was ambiguous; and which rows below the table are its footer. Column
    indexes count from 0."""

    header_row: int  # the spreadsheet row of the headers
    labels: list[str]  # the file's headers as written (NFKC, trimmed), by column
    matched: dict[str, int] = field(default_factory=dict)  # field name -> column
    ambiguous: dict[str, list[int]] = field(default_factory=dict)  # field name -> candidate columns
    ignored: list[int] = field(default_factory=list)  # columns the portal does not use
    # the spreadsheet rows below the table (制表人, 合计, a note): its footer, not children
    footer_rows: list[int] = field(default_factory=list)

    def label(self, index: int) -> str:
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(index + 1)}：{self.labels[index] or NO_HEADER}"

    def ignored_labels(self) -> list[str]:
        return [self.label(i) for i in self.ignored]

    def choices(self) -> list[tuple[str, str, bool, list[tuple[int, str]]]]:
        """(field, header, required, [(column, label)]) for every ambiguous field."""
        required = {FIELD_OF[h]: r for h, _f, r in COLUMNS}
        return [
            (name, HEADER_OF[name], required[name], [(i, self.label(i)) for i in columns])
            for name, columns in self.ambiguous.items()
        ]

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ColumnPlan":
        """The plan kept on a RosterImport (JSON: its column numbers as strings are ints again)."""
        known = {f.name for f in fields(cls)}
        plan = cls(**{key: value for key, value in data.items() if key in known})
        plan.ambiguous = {name: [int(c) for c in columns] for name, columns in plan.ambiguous.items()}
        return plan


@dataclass
class Table:
    headers: list[str]  # canonical headers, in the file's order
    columns: dict[str, int]  # field name -> index in a row
    rows: list[tuple[int, tuple]]  # (spreadsheet row, values), blank rows left out
    plan: ColumnPlan | None = None  # None only for tables built by hand


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
