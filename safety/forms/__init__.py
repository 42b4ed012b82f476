"""Safety forms: `attendance` (roll call, leave, handover, release, records filter) and `records`
(gate register, inspections, plans, duty roster, incidents, off-campus)."""
