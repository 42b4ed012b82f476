"""Spreadsheet safety shared by every export: a text cell a spreadsheet would run as a formula is
neutralised (CSV/formula injection)."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
