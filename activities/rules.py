"""Content rules (M3, H3) and the settings a region fixes for its schools (M1)."""

import datetime
import unicodedata
from dataclasses import dataclass

from activities.models import RegionPolicy
from schools.models import School

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
DEFAULT_TUTORING_MAX_GROUP = 6  # used until a region sets its own maximum


@dataclass(frozen=True)
class Policy:
    earliest_end: datetime.time | None
    earliest_end_region: str
    tutoring_max_group: int
    extra_lesson_terms: tuple[str, ...]


def policy_for(school: School) -> Policy:
    """The rules in force at a school: the nearest region on its reporting chain that sets each value
    wins; extra-lesson words add up along the chain. One query."""
    codes = school.region.chain_codes
    policies = {
        p.region.code: p for p in RegionPolicy.objects.filter(region__code__in=codes).select_related("region")
    }
    earliest, earliest_region, tutoring = None, "", DEFAULT_TUTORING_MAX_GROUP
    terms = list(NATIONAL_EXTRA_LESSON_TERMS)
    for code in codes:  # province first, the school's county last: nearer overrides
        policy = policies.get(code)
        if policy is None:
            continue
        if policy.earliest_end is not None:
            earliest, earliest_region = policy.earliest_end, policy.region.name
        if policy.tutoring_max_group:
            tutoring = policy.tutoring_max_group
        terms += [t.strip() for t in policy.extra_terms.splitlines() if t.strip()]
    return Policy(earliest, earliest_region, tutoring, tuple(dict.fromkeys(terms)))


def extra_lesson_terms_found(policy: Policy, *texts: str) -> list[str]:
    """The extra-lesson words that occur in the texts (full-width folded, spaces ignored)."""
    haystack = "".join(unicodedata.normalize("NFKC", t or "") for t in texts).replace(" ", "")
    return [term for term in policy.extra_lesson_terms if term in haystack]
