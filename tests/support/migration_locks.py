"""Migration operations that would stall a busy PostgreSQL database (F19: upgrades that lose nothing).

Walks every migration in the order `migrate` applies them, keeping Django's project state alongside,
and flags operations on the big tables below that rewrite the table or hold a long lock on it:

- AddField that builds an index or a foreign key (unique, db_index, a relation), or whose
  `db_default` is an expression (a volatile default rewrites every row);
- AlterField that changes the column (type, NULL to NOT NULL, default, index, constraint);
- AddIndex (not AddIndexConcurrently), AddConstraint (not AddConstraintNotValid), unique_together;
- RunSQL naming a big table, and RunPython whose code names a big model or table (a data backfill).

Operations on a table created in the same migration are left alone: it is empty. Hand-written on
Django's migration loader: django-migration-linter looks for backward-incompatible changes, not for
locks, and django-pg-zero-downtime-migrations is a database backend that rewrites the operations.
"""

import inspect
import re
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

# The big tables, in one place: (app label, model name) -> why it is big. Rows per child per session,
# per message, per access: millions a term in a city.
BIG_TABLES = {
    ("safety", "attendance"): "a mark per child per session (100 million at city scale, bench/scale.py)",
    ("safety", "release"): "a release per child per session day",
    ("safety", "gateentry"): "every visitor at every gate",
    ("audit", "auditevent"): "every change of every record",
    ("audit", "accesslog"): "every view of a child's data",
    ("notices", "notification"): "every message to every user",
    ("notices", "delivery"): "every message per channel",
    ("enrollment", "application"): "an application per child per term",
    ("enrollment", "choice"): "several choices per application",
}

CONCURRENT_OR_NOT_VALID = {"AddIndexConcurrently", "AddConstraintNotValid", "RemoveIndexConcurrently"}


@dataclass(frozen=True)
class Finding:
    migration: str  # "app.0001_name"
    operation: str
    why: str

    def __str__(self) -> str:
        return f"{self.migration}: {self.operation}: {self.why}"


def _table(app_label: str, model_name: str, state: ProjectState) -> str:
    model = state.models.get((app_label, model_name.lower()))
    return (model and model.options.get("db_table")) or f"{app_label}_{model_name.lower()}"


def _big_names(state: ProjectState):
    """Table names and model class names of the big tables, as code would spell them."""
    for app_label, model_name in BIG_TABLES:
        model = state.models.get((app_label, model_name))
        yield _table(app_label, model_name, state)
        if model is not None:
            yield model.name


def _column_changed(old, new) -> bool:
    """Whether AlterField touches the database column (as Django's schema editor decides)."""
    old_path, old_args, old_kwargs = old.deconstruct()[1:]
    new_path, new_args, new_kwargs = new.deconstruct()[1:]
    for attr in new.non_db_attrs:
        old_kwargs.pop(attr, None)
        new_kwargs.pop(attr, None)
    return (old_path, old_args, old_kwargs) != (new_path, new_args, new_kwargs)


def _field_findings(op, app_label: str, state: ProjectState):
    key = (app_label, op.model_name.lower())
    if isinstance(op, migrations.AddField):
        field = op.field
        if field.many_to_many:
            return
        if field.is_relation:
            yield "adds a foreign key: validates every row and builds an index under lock"
        elif field.unique or field.db_index:
            yield "adds an indexed column: builds the index under lock (add the index concurrently)"
        db_default = getattr(field, "db_default", None)
        if db_default is not None and hasattr(db_default, "resolve_expression"):
            if type(db_default).__name__ != "Value":
                yield "adds a column whose database default is an expression: rewrites every row"
    elif isinstance(op, migrations.AlterField):
        old = state.models[key].fields.get(op.name)
        if old is None or _column_changed(old, op.field):
            if old is not None and old.null and not op.field.null:
                yield "sets NOT NULL: scans the whole table under an exclusive lock"
            else:
                yield "changes the column (type, default, index or constraint): may rewrite or lock the table"


def operation_findings(op, app_label: str, state: ProjectState, created: set) -> list[str]:
    """Why one operation would stall a busy database (empty: it would not)."""
    kind = type(op).__name__
    if isinstance(op, migrations.SeparateDatabaseAndState):
        return [
            w
            for inner in op.database_operations
            for w in operation_findings(inner, app_label, state, created)
        ]
    if isinstance(op, migrations.RunSQL):
        sql = " ".join(
            s if isinstance(s, str) else str(s[0]) for s in ([op.sql] if isinstance(op.sql, str) else op.sql)
        )
        names = [t for t in set(_big_names(state)) if re.search(rf"\b{re.escape(t)}\b", sql, re.IGNORECASE)]
        return [f"raw SQL on {', '.join(sorted(names))}"] if names else []
    if isinstance(op, migrations.RunPython):
        try:
            # The whole module: the function may name its table through a constant.
            source = inspect.getsource(inspect.getmodule(op.code))
        except (OSError, TypeError):
            return []
        names = [
            n
            for n in set(_big_names(state))
            if re.search(rf"""["']{re.escape(n)}["']|\b{re.escape(n)}\b""", source)
        ]
        return (
            [f"data migration over {', '.join(sorted(names))}: one transaction over every row"]
            if names
            else []
        )
    model_name = getattr(op, "model_name", None) or getattr(op, "name", None)
    if not model_name:
        return []
    key = (app_label, model_name.lower())
    if key not in BIG_TABLES or key in created or kind in CONCURRENT_OR_NOT_VALID:
        return []
    if isinstance(op, (migrations.AddField, migrations.AlterField)):
        return list(_field_findings(op, app_label, state))
    if isinstance(op, migrations.AddIndex):
        return ["builds an index under lock (use AddIndexConcurrently in a non-atomic migration)"]
    if isinstance(op, migrations.AddConstraint):
        return ["adds a constraint: validates every row (and builds its index) under lock"]
    if isinstance(op, (migrations.AlterUniqueTogether, migrations.AlterIndexTogether)) and op.option_value:
        return ["builds a unique index under lock"]
    return []


def migration_findings(migration, state: ProjectState) -> list[Finding]:
    """Findings of one migration, moving `state` forward through it."""
    label = f"{migration.app_label}.{migration.name}"
    created: set = set()
    found = []
    for op in migration.operations:
        found += [
            Finding(label, op.describe(), why)
            for why in operation_findings(op, migration.app_label, state, created)
        ]
        if isinstance(op, migrations.CreateModel):
            created.add((migration.app_label, op.name_lower))
        op.state_forwards(migration.app_label, state)
    return found


def project_findings() -> list[Finding]:
    """Findings of every migration of the project, in the order `migrate` applies them."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    plan = []
    for leaf in loader.graph.leaf_nodes():
        plan += [node for node in loader.graph.forwards_plan(leaf) if node not in plan]
    state = ProjectState(real_apps=loader.unmigrated_apps)
    ours = {c.label for c in apps.get_app_configs() if Path(c.path).is_relative_to(settings.BASE_DIR)}
    found = []
    for key in plan:
        migration = loader.graph.nodes[key]
        if migration.app_label in ours:
            found += migration_findings(migration, state)
        else:  # Django's and the libraries' own: their state only.
            for op in migration.operations:
                op.state_forwards(migration.app_label, state)
    return found
