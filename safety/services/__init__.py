"""Safety: one module per area (F5: attendance, release …; F6: gate, inspections, plans, roster,
incidents, off-campus)."""
