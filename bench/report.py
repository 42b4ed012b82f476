"""The results table of `make bench`: printed as text and written as bench/RESULTS.md."""

import datetime

COLUMNS = ("scenario", "figure", "floor", "ratio", "target", "result")
# The terminal shows each row's note too (what bounds a missed target), cut to this many characters.
NOTE_WIDTH = 160


def number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def ratio(value) -> str:
    """Three decimals below 1, so that 0.349 against a 0.35 target does not read as 0.35."""
    if value is None:
        return ""
    return f"{value:.3f}" if abs(value) < 1 else number(value)


def result(passed) -> str:
    return {True: "pass", False: "FAIL", None: "—"}[passed]


def cells(row: dict) -> list[str]:
    unit = f" {row['unit']}" if row.get("unit") and row.get("figure") is not None else ""
    floor_unit = f" {row['unit']}" if row.get("unit") and row.get("floor") is not None else ""
    return [
        row["scenario"],
        number(row.get("figure")) + unit,
        number(row.get("floor")) + floor_unit,
        ratio(row.get("ratio")),
        row.get("target", ""),
        result(row.get("passed")),
    ]


def table(rows: list[dict]) -> str:
    """A plain-text table for the terminal, each row's note last."""
    body = [[*COLUMNS, "note"]] + [[*cells(r), note(r)] for r in rows]
    widths = [max(len(line[i]) for line in body) for i in range(len(COLUMNS) + 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in body]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def note(row: dict) -> str:
    text = str(row.get("note") or "")
    return text if len(text) <= NOTE_WIDTH else text[: NOTE_WIDTH - 1] + "…"


def escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(
    rows: list[dict], *, machine: dict, when: datetime.datetime, command: str, minutes: float
) -> str:
    """bench/RESULTS.md: when and where, the table, then each row's note."""
    failed = [r for r in rows if r.get("passed") is False]
    lines = [
        "# Benchmark results",
        "",
        f"`{command}` on {when:%Y-%m-%d %H:%M} UTC, {minutes:.1f} minutes."
        + (" The other scenarios' rows are from their last run." if "--only" in command else ""),
        "",
        f"- machine: `{machine.get('uname', 'unknown')}`",
        f"- CPU: {machine.get('cpu', 'unknown')}, {machine.get('cores', '?')} cores",
        f"- PostgreSQL {machine.get('postgresql', '?')}, Redis {machine.get('redis', '?')}, "
        f"Python {machine.get('python', '?')}",
    ]
    if machine.get("load"):
        lines.append(f"- load average (1 min, all users): {machine['load']}")
    lines += [
        "",
        "| " + " | ".join(COLUMNS) + " | unit | note |",
        "| --- | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    for row in rows:
        values = [escape(c) for c in cells(row)] + [escape(row.get("unit", "")), escape(row.get("note", ""))]
        lines.append("| " + " | ".join(values) + " |")
    lines += [
        "",
        f"{len(rows) - len(failed)} of {len(rows)} rows pass or are shown for contrast"
        + (
            f"; {len(failed)} miss their target: " + ", ".join(r["scenario"] for r in failed)
            if failed
            else ""
        )
        + ".",
        "",
    ]
    return "\n".join(lines)
