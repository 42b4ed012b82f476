"""Content rules (M3, H3) and the settings a region fixes for its schools (M1).

F17: a region's bureau sets these on its own pages (activities/views_region.py); the values are
inherited down the reporting chain (province → city → county; a 省直管县 straight from the
province) and the nearest region that sets a value wins. A lower region may only tighten.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.dates import WEEKDAYS

from activities.models import RegionPolicy
from privacy.models import RetentionPolicy
from schools.models import Region, School

# 坚决防止将课后服务变相为集体教学或"补课" (M3, H3). Regions add their own words (RegionPolicy).
NATIONAL_EXTRA_LESSON_TERMS = (
    "补课",
    "补习",
    "新课",
    "讲授新知识",
    "超前学习",
    "提前学习",
    "培优",
    "考试辅导",
    "应试辅导",
    "刷题",
    "集体教学",
    "集体授课",
    "学科培训",
)
# F17: words that may hide lessons but need not: the activity is held for the bureau's review.
NATIONAL_WATCH_TERMS = ("同步辅导", "衔接", "预习", "提高班")
DEFAULT_TUTORING_MAX_GROUP = 6  # used until a region sets its own maximum
DEFAULT_WEEKDAYS = "1234567"  # no limit until a region sets its service weekdays
# A word right after a negation (at most NEGATION_GAP characters between, same clause) does not
# count: "不讲授新课", "严禁补课", "不得组织提高班".
NEGATIONS = ("不得", "禁止", "严禁", "不")
NEGATION_GAP = 4
CLAUSE_BREAK = re.compile(r"[，。；：！？、,.;:!?\n\r]")


@dataclass(frozen=True)
class Policy:
    earliest_end: datetime.time | None
    earliest_end_region: str
    tutoring_max_group: int
    extra_lesson_terms: tuple[str, ...]
    latest_end: datetime.time | None = None
    latest_end_region: str = ""
    weekdays: str = DEFAULT_WEEKDAYS
    weekdays_region: str = ""
    tutoring_region: str = ""
    watch_terms: tuple[str, ...] = ()
    # word → the region that added it ("" for the national list)
    term_regions: dict = field(default_factory=dict)
    retention_months: int = 0
    retention_region: str = ""


def lines(text: str) -> list[str]:
    return [unicodedata.normalize("NFKC", t).strip() for t in (text or "").splitlines() if t.strip()]


def policy_for_region(region: Region, *, inherited_only: bool = False) -> Policy:
    """The rules in force in a region: the nearest region on its reporting chain that sets each value
    wins; words add up along the chain. Three queries. inherited_only: what the regions above it
    set (what a region's own values may only tighten)."""
    codes = region.chain_codes[:-1] if inherited_only else region.chain_codes
    policies = {
        p.region.code: p for p in RegionPolicy.objects.filter(region__code__in=codes).select_related("region")
    }
    retention = dict(
        RetentionPolicy.objects.filter(region__code__in=codes).values_list("region__code", "months")
    )
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    values = {
        "earliest_end": None,
        "earliest_end_region": "",
        "latest_end": None,
        "latest_end_region": "",
        "weekdays": DEFAULT_WEEKDAYS,
        "weekdays_region": "",
        "tutoring_max_group": DEFAULT_TUTORING_MAX_GROUP,
        "tutoring_region": "",
        "retention_months": settings.RETENTION_MONTHS,
        "retention_region": "",
    }
    term_regions = dict.fromkeys(NATIONAL_EXTRA_LESSON_TERMS + NATIONAL_WATCH_TERMS, "")
    extra, watch = list(NATIONAL_EXTRA_LESSON_TERMS), list(NATIONAL_WATCH_TERMS)
    for code in codes:  # province first, the region itself last: nearer overrides
        if code in retention:
            values["retention_months"], values["retention_region"] = retention[code], names.get(code, code)
        policy = policies.get(code)
        if policy is None:
            continue
        _apply(values, policy)
        for term in lines(policy.extra_terms):
            term_regions.setdefault(term, policy.region.name)
            extra.append(term)
        for term in lines(policy.watch_terms):
            term_regions.setdefault(term, policy.region.name)
            watch.append(term)
    extra = tuple(dict.fromkeys(extra))
    watch = tuple(t for t in dict.fromkeys(watch) if t not in extra)
    return Policy(extra_lesson_terms=extra, watch_terms=watch, term_regions=term_regions, **values)


def _apply(values: dict, policy: RegionPolicy) -> None:
    name = policy.region.name
    for attr, key in (
        ("earliest_end", "earliest_end"),
        ("latest_end", "latest_end"),
        ("weekdays", "weekdays"),
        ("tutoring_max_group", "tutoring"),
    ):
        value = getattr(policy, attr)
        if value:
            values[attr], values[f"{key}_region"] = value, name


def policy_for(school: School) -> Policy:
    """The rules in force at a school (its region's, policy_for_region)."""
    return policy_for_region(school.region)


def _haystack(*texts: str) -> str:
    return "".join(unicodedata.normalize("NFKC", t or "") for t in texts).replace(" ", "")


def _negated(haystack: str, start: int) -> bool:
    """Whether the word at `start` follows a negation in the same clause (NEGATION_GAP characters
    at most between): 不讲授新课, 严禁补课."""
    before = CLAUSE_BREAK.split(haystack[:start])[-1]
    window = before[-(NEGATION_GAP + 2) :]
    for negation in NEGATIONS:
        at = window.rfind(negation)
        if at >= 0 and len(window) - (at + len(negation)) <= NEGATION_GAP:
            return True
    return False


def terms_found(terms, *texts: str) -> list[str]:
    """The words that occur in the texts (full-width folded, spaces ignored), not counting an
    occurrence that is negated (_negated)."""
    haystack = _haystack(*texts)
    found = []
    for term in terms:
        starts = [m.start() for m in re.finditer(re.escape(term), haystack)]
        if any(not _negated(haystack, s) for s in starts):
            found.append(term)
    return found


def extra_lesson_terms_found(policy: Policy, *texts: str) -> list[str]:
    """The extra-lesson words that occur in the texts: the activity is refused."""
    return terms_found(policy.extra_lesson_terms, *texts)


def watch_terms_found(policy: Policy, *texts: str) -> list[str]:
    """The words that hold the activity for the bureau's review (F17)."""
    return terms_found(policy.watch_terms, *texts)


def weekday_names(days: str) -> str:
    """ "135" → "Monday、Wednesday、Friday" in the current language (ISO numbers, 1 = Monday)."""
    return "、".join(str(WEEKDAYS[int(d) - 1]) for d in days if d in "1234567")
