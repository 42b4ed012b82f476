"""Helpers shared by test modules and bench/: plain modules, never test modules
(tests/foundation/test_test_layout.py checks)."""
