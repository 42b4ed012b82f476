"""The house's floors (docs/design.md, "Code rules"): each app imports only the apps below it.

Every module counts, management commands and demo builders included, with no exemption; an
import inside a function counts as much as one at the top, and so does a string that names a
higher app's module (an `import_module("safety.demo")` would get round the rule). Settings may
name hooks of any app (`PRIVACY_HOOKS`, `ACCOUNT_GATES`): the project package stands above all.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

# Lowest first; an app may import the apps of the floors below its own, never those above.
FLOORS = [
    {"audit", "notices"},
    {"schools"},
    {"privacy"},
    {"activities"},
    {"enrollment"},
    {"safety"},
    {"subsidies"},
    {"oversight"},
    # The project package and the mobile API stand above every app; neither imports the other.
    {"afterschool", "api"},
]
FLOOR = {app: level for level, apps in enumerate(FLOORS) for app in apps}


def module_exists(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def names_used(tree: ast.AST):
    """(line, dotted name) of every import and every string that names a project module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.split(".")[0] in FLOOR and "." in text and module_exists(text):
                yield node.lineno, text


def upward_imports(app: str) -> list[str]:
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in names_used(tree):
            other = name.split(".")[0]
            if other in FLOOR and FLOOR[other] > FLOOR[app]:
                found.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    return found


def test_every_app_is_on_a_floor():
    apps = {p.name for p in ROOT.iterdir() if (p / "apps.py").exists()}
    assert apps <= set(FLOOR), apps - set(FLOOR)


def test_schools_imports_no_feature_app():
    """schools is the floor under every feature: not even its seed command reaches up."""
    assert not upward_imports("schools"), "\n".join(upward_imports("schools"))


def test_no_app_imports_a_higher_floor():
    found = [line for app in FLOOR for line in upward_imports(app)]
    assert not found, "move this code down, or pass it in from above:\n" + "\n".join(found)


def test_the_check_sees_a_string_that_names_a_higher_module():
    tree = ast.parse('BUILDERS = ["safety.models", "not.a.module", "safety", "safety.Incident"]')
    assert [name for _line, name in names_used(tree)] == ["safety.models"]
