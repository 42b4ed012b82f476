"""Safety reads, scoped through schools.access: `attendance` (attendance, leave, handover, release,
and `attendance_export`, the workbook built from those reads) and `records` (gate register,
inspections, plans, duty roster, incidents, off-campus)."""
