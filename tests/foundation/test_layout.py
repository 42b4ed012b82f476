"""The code's layout rules that a reader relies on, checked on the source: no module imports an
underscored (private) name from another app, and product code keeps its imports at the top."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SKIP = {".venv", "tests", "node_modules", "static", "templates", "locale"}


def product_modules():
    """Every project .py file outside tests/ and migrations, with its top-level package."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in SKIP or parts[0].startswith(".") or "migrations" in parts:
            continue
        yield path, parts[0] if len(parts) > 1 else None


def top_level_packages() -> set[str]:
    return {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def test_no_module_imports_a_private_name_from_another_app():
    packages = top_level_packages()
    found = []
    for path, own in product_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            source = node.module.split(".")[0]
            if source not in packages or source == own:
                continue
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module} import {alias.name}"
                for alias in node.names
                if alias.name.startswith("_")
            ]
    assert not found, "make these names public or move them where they belong:\n" + "\n".join(found)


def test_product_code_keeps_its_imports_at_the_top():
    """No import appended mid-file behind `noqa: E402`: a circular import, if any, is a
    function-level import with a comment saying why."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path, _package in product_modules()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "noqa: E402" in line
    ]
    assert not found, "move these imports to the top of their files:\n" + "\n".join(found)
