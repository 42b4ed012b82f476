"""Term scores (考评, M5): each school's indicators for the term, normalised to 0–100 and weighted
by the weights its evaluating bureau set (oversight.models.WeightSet; DEFAULT_WEIGHTS otherwise).

Inputs are oversight.summaries.selectors.indicators_for rows, i.e. the daily summaries only. Normalisation
is absolute, never relative to the other schools, so a school's score does not change with the
region it is ranked in:

- participation rate, attendance rate, priority-group coverage: the percentage itself (0–100).
  Coverage with no priority-group child in the school counts 100 (nobody was left out).
- hours per child: hours attended per placed child per week of the term so far (from the term's
  first day to the last rolled day), against TARGET_WEEKLY_HOURS (one hour each school day);
  100 at or above the target, proportionally below.
- incidents, reports from guardians (negative): per 100 placed children; 100 − PENALTY_PER_100 ×
  that rate, never below 0.
- open inspection findings (negative) at the end of the term so far: 100 − PENALTY_PER_FINDING ×
  findings, never below 0.
- A school with no child placed (no service running, or no summaries yet) scores 0 on every
  indicator: there is no service to evaluate.

Normalised scores are rounded to 0.1; contribution = normalised × weight / 100; the term score is
the sum of the contributions, rounded half up to 0.1, so it lies in 0–100.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

TARGET_WEEKLY_HOURS = Decimal("5")
PENALTY_PER_100 = Decimal("25")
PENALTY_PER_FINDING = Decimal("20")
HUNDRED = Decimal("100")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    negative: bool = False


INDICATORS = [
    Indicator("participation", _("Participation rate")),
    Indicator("attendance", _("Attendance rate")),
    Indicator("priority", _("Priority-group coverage")),
    Indicator("hours", _("Hours per child per week")),
    Indicator("incidents", _("Incidents per 100 children"), negative=True),
    Indicator("complaints", _("Reports from guardians per 100 children"), negative=True),
    Indicator("findings", _("Open inspection findings"), negative=True),
]
KEYS = [indicator.key for indicator in INDICATORS]
# Used when neither the region nor any bureau above it set weights for the term.
DEFAULT_WEIGHTS = {
    "participation": 25,
    "attendance": 20,
    "priority": 15,
    "hours": 15,
    "incidents": 10,
    "complaints": 10,
    "findings": 5,
}
assert sum(DEFAULT_WEIGHTS.values()) == 100 and list(DEFAULT_WEIGHTS) == KEYS


def _q(value: Decimal, step: Decimal = TENTH) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _clamp(value: Decimal) -> Decimal:
    return _q(min(HUNDRED, max(Decimal(0), value)))


def weeks_of(*, first, last) -> Decimal:
    """Weeks from the term's first day to the last rolled day (0 when nothing was rolled)."""
    if last is None or last < first:
        return Decimal(0)
    return Decimal((last - first).days + 1) / 7


def raw_values(row: dict, *, weeks: Decimal) -> dict:
    """The indicator values of one indicators_for row, as shown in the breakdown."""
    placed = row["placed"]
    per_100 = (lambda n: _q(Decimal(n) * 100 / placed, Decimal("0.01"))) if placed else (lambda n: None)
    hours = row["hours_per_child"]
    return {
        "participation": row["participation_rate"],
        "attendance": row["attendance_rate"],
        "priority": row["priority_coverage"],
        "hours": _q(hours / weeks, Decimal("0.01")) if hours is not None and weeks else None,
        "incidents": per_100(row["incidents"]),
        "complaints": per_100(row["complaints"]),
        "findings": row["findings_open"],
    }


def normalise(key: str, raw, *, placed: int) -> Decimal:
    if not placed:
        return Decimal(0)
    if key in ("participation", "attendance"):
        return _clamp(raw) if raw is not None else Decimal(0)
    if key == "priority":
        return _clamp(raw) if raw is not None else HUNDRED
    if key == "hours":
        return _clamp(raw * 100 / TARGET_WEEKLY_HOURS) if raw is not None else Decimal(0)
    if key in ("incidents", "complaints"):
        return _clamp(HUNDRED - PENALTY_PER_100 * raw)
    if key == "findings":
        return _clamp(HUNDRED - PENALTY_PER_FINDING * raw)
    raise KeyError(key)


def score(row: dict, *, weights: dict, weeks: Decimal) -> dict:
    """{"score": Decimal 0–100, "breakdown": [{indicator, raw, normalised, weight, contribution}]}."""
    raws = raw_values(row, weeks=weeks)
    breakdown, total = [], Decimal(0)
    for indicator in INDICATORS:
        normalised = normalise(indicator.key, raws[indicator.key], placed=row["placed"])
        weight = weights[indicator.key]
        contribution = normalised * weight / 100
        total += contribution
        breakdown.append(
            {
                "indicator": indicator,
                "raw": raws[indicator.key],
                "normalised": normalised,
                "weight": weight,
                "contribution": _q(contribution, Decimal("0.01")),
            }
        )
    return {"score": _q(total), "breakdown": breakdown}
