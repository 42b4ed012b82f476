"""The suite's own layout (F14): tests mirror the source with one fixture style. A test module never
imports another test module or a conftest (fixtures reach tests through conftest.py, helpers through
tests/support/); helpers live in the one support package; browser tests live in tests/browser/, where
their fixtures are and where `-m "not browser"` (bin/test-at) expects them; bench/ borrows from
tests/support/ only."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TESTS = ROOT / "tests"
SUPPORT = TESTS / "support"
BROWSER = TESTS / "browser"


def modules(folder: Path):
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def imported_names(path: Path):
    """(line, dotted name) of every module or name imported anywhere in the file, functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def borrowed_from_tests(path: Path):
    """What the file imports from the tests package outside tests/support/."""
    for line, name in imported_names(path):
        parts = name.split(".")
        if parts[0] == "tests" and len(parts) > 1 and parts[1] != "support":
            yield f"{path.relative_to(ROOT)}:{line}: {name}"


def test_no_test_module_imports_another_test_module_or_a_conftest():
    found = [hit for path in modules(TESTS) for hit in borrowed_from_tests(path)]
    assert not found, "move these helpers to tests/support/ (fixtures to a conftest.py):\n" + "\n".join(found)


def test_bench_imports_no_test_module():
    found = [hit for path in modules(ROOT / "bench") for hit in borrowed_from_tests(path)]
    assert not found, "bench/ may borrow from tests/support/ only:\n" + "\n".join(found)


def test_helpers_live_in_the_support_package():
    """Outside tests/support/ a tests folder holds test modules, its conftest.py and __init__.py;
    inside it, plain modules only (no test modules for pytest to collect, no conftest)."""
    found = []
    for path in modules(TESTS):
        if SUPPORT in path.parents:
            misplaced = path.name.startswith("test_") or path.name == "conftest.py"
        else:
            misplaced = not path.name.startswith("test_") and path.name not in {"conftest.py", "__init__.py"}
        if misplaced:
            found.append(str(path.relative_to(ROOT)))
    assert not found, "helpers belong in tests/support/, tests outside it:\n" + "\n".join(found)


def names_and_attributes(path: Path):
    """Every dotted name the file's code uses (pytest.mark.browser) and every name it assigns."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield ast.unparse(node)


def test_no_module_rebinds_fixtures_through_pytest_plugins():
    found = [
        str(path.relative_to(ROOT))
        for path in modules(TESTS)
        if "pytest_plugins" in names_and_attributes(path)
    ]
    assert not found, "declare shared fixtures in the folder's conftest.py:\n" + "\n".join(found)


def drives_a_browser(path: Path) -> bool:
    return "pytest.mark.browser" in set(names_and_attributes(path)) or any(
        name.split(".")[0] == "playwright" for _, name in imported_names(path)
    )


def test_browser_tests_live_in_tests_browser_and_are_marked():
    outside = [
        str(path.relative_to(ROOT))
        for path in modules(TESTS)
        if path.name.startswith("test_") and BROWSER not in path.parents and drives_a_browser(path)
    ]
    assert outside == [], "move these browser tests to tests/browser/"
    unmarked = [
        str(path.relative_to(ROOT))
        for path in modules(BROWSER)
        if path.name.startswith("test_") and "pytest.mark.browser" not in set(names_and_attributes(path))
    ]
    assert unmarked == [], "mark these pytest.mark.browser (bin/test-at leaves browser tests out by marker)"
