"""Indicators and daily summaries (F8): the roll (services), the indicator reads (selectors), the
dashboard (views) and the demo roll (demo)."""
