"""Small numbers (F13): counts of a sensitive group below SMALL_COUNT are shown as "<5".

A bureau officer reading that one school has 2 disabled children placed, or 1 incident, can often
tell who they are; statistical offices suppress such cells. Every bureau page, export and generated
report that shows a count of a sensitive group (priority groups: 留守儿童, 进城务工人员随迁子女,
low-income, disability, other need; incidents involving children; guardians' reports) passes it
through small_count (templates: the `small_count` filter of `small_numbers`).

Zero stays 0: it discloses no child (there is nobody to identify), and a bureau must be able to
see that a school has no priority-group child at all or no incident. Only 1–4 are hidden.
Complementary suppression: where the cells of a line (a column of schools or counties, or the kinds
of one count) are shown beside their total, one hidden cell could be worked out as the total minus
the others. So, besides the small cells, the smallest other cells of the line are withheld ("*")
until at least two are hidden and the hidden ones add up to SMALL_COUNT or more (`protect`). A total
that is itself small is shown as "<5", and then nothing more is needed.
Rates derived from small counts (coverage percentages) are shown; the counts behind them are not.
"""

SMALL_COUNT = 5
SUPPRESSED = "<5"
# A cell withheld only so that a small one beside it cannot be worked out from the line's total.
WITHHELD = "*"


def small_count(value):
    """The count itself, or "<5" for a count from 1 to 4; anything that is not a count unchanged."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return SUPPRESSED if 0 < value < SMALL_COUNT else value


def withheld(values: list[int], *, total: int) -> list[int]:
    """Indexes of the cells of one line to withhold besides the small ones, so that the line's shown
    total minus its shown cells cannot give a small cell back; [] when nothing more is needed."""
    if 0 < total < SMALL_COUNT:  # the total is "<5" itself: it discloses no exact figure
        return []
    hidden = [i for i, v in enumerate(values) if 0 < v < SMALL_COUNT]
    if not hidden:
        return []
    others = sorted((v, i) for i, v in enumerate(values) if v >= SMALL_COUNT)
    extra = []
    while others and (len(hidden) + len(extra) < 2 or sum(values[i] for i in hidden + extra) < SMALL_COUNT):
        extra.append(others.pop(0)[1])
    return extra


def protect(rows: list[dict], keys, *, total: dict) -> list[dict]:
    """The rows (copies) with, for each key, the cells `withheld` from that column replaced by "*";
    the small cells stay numbers for small_count to show as "<5"."""
    out = [dict(row) for row in rows]
    for key in keys:
        for i in withheld([row[key] for row in rows], total=total[key]):
            out[i][key] = WITHHELD
    return out


def protect_line(values: list[int], *, total: int) -> list:
    """One line of counts (e.g. the kinds of a total), with the cells `withheld` replaced by "*"."""
    out = list(values)
    for i in withheld(values, total=total):
        out[i] = WITHHELD
    return out


def protect_attribute(objects: list, attribute: str, *, total: int) -> None:
    """The same over objects annotated for display (a page's rows): the withheld ones get "*"."""
    for i in withheld([getattr(obj, attribute) for obj in objects], total=total):
        setattr(objects[i], attribute, WITHHELD)
