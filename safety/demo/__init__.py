"""Safety demo builders, loaded by seed_demo: `attendance` (F5) and `records` (F6)."""
