"""Small numbers (F13): counts of a sensitive group below SMALL_COUNT are shown as "<5".

A bureau officer reading that one school has 2 disabled children placed, or 1 incident, can often
tell who they are; statistical offices suppress such cells. Every bureau page, export and generated
report that shows a count of a sensitive group (priority groups: 留守儿童, 进城务工人员随迁子女,
low-income, disability, other need; incidents involving children; guardians' reports) passes it
through small_count (templates: the `small_count` filter of `small_numbers`).

Zero stays 0: it discloses no child (there is nobody to identify), and a bureau must be able to
see that a school has no priority-group child at all or no incident. Only 1–4 are hidden.
Complementary suppression (hiding a second cell so that a total minus the others cannot give the
hidden one back) is not done: a region's total and its schools' rows can still be subtracted.
Rates derived from small counts (coverage percentages) are shown; the counts behind them are not.
"""

SMALL_COUNT = 5
SUPPRESSED = "<5"


def small_count(value):
    """The count itself, or "<5" for a count from 1 to 4; anything that is not a count unchanged."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return SUPPRESSED if 0 < value < SMALL_COUNT else value
