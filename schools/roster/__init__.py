"""Roster import and export (花名册).

A school uploads its roster as .xlsx, .xls or .csv as its register exports it: a title above the
header row, 是否… or 监护人联系电话 headers, merged cells. Headers are matched by a rule; an
ambiguous one (two columns could be the mobile) is chosen by the school admin; columns the portal
does not use are listed as ignored. Workbooks are read by calamine as data (no formula evaluated).
Every row is checked (a dry run: nothing is saved) and the school admin sees every problem by
spreadsheet row and column. Once confirmed the rows are checked again against the database and
written in one transaction: all or nothing. Large files run on a Celery worker that reports
progress.

Row numbers are the ones Excel shows: with the header on row 1 the first student is row 2, with two
title rows above it row 4; blank rows are skipped but keep their numbers.

Speed: rows are validated in Python and written with one bulk insert per table (see
bench/roster_import.py).

Accounts (F13): a new guardian account has no password; it gets its own one-time activation code
(schools/activation.py), handed out on the class's activation slips or by SMS. A mobile number that
already has an account is never linked to the child at once: the account holder is asked to confirm
(a GuardianLink) and the school sees only the masked number until then.

The steps, one module each: `columns` (headers and limits), `reading` (upload checks, the file's
rows), `rows` (each row on its own), `planning` (the rows against the school, and the bulk write),
`imports` (the services: preview, confirm, run) and `export` (the roster and the empty template).
"""

from schools.models import GRADE_NAMES
from schools.roster.columns import COLUMNS, HEADERS, ColumnPlan, Plan, RowError, Table
from schools.roster.export import (
    StudentRosterResource,
    roster_export_queryset,
    roster_export_xlsx,
    roster_template_xlsx,
)
from schools.roster.imports import (
    roster_import_choose_columns,
    roster_import_confirm,
    roster_import_preview,
    roster_import_run,
)
from schools.roster.planning import plan_against_school
from schools.roster.reading import csv_decode, roster_read, upload_check
from schools.roster.rows import rows_check

__all__ = [
    "COLUMNS",
    "ColumnPlan",
    "GRADE_NAMES",
    "HEADERS",
    "Plan",
    "RowError",
    "StudentRosterResource",
    "Table",
    "csv_decode",
    "plan_against_school",
    "roster_export_queryset",
    "roster_export_xlsx",
    "roster_import_choose_columns",
    "roster_import_confirm",
    "roster_import_preview",
    "roster_import_run",
    "roster_read",
    "roster_template_xlsx",
    "rows_check",
    "upload_check",
]
