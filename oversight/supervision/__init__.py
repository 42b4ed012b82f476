"""F17: supervision visits (督导检查) and the school's documents (rules, safety education)."""
