"""Shared bits of the F6 views (gate register, inspections, plans, responsibility, incidents,
off-campus coordination)."""

from django.db import IntegrityError
from django.utils.translation import gettext as _

from schools.forms import add_service_error


def refused(form, exc: Exception, fields: dict | None = None) -> None:
    """A service's refusal (or the database's uniqueness guard) shown on the form."""
    if isinstance(exc, IntegrityError):
        form.add_error(None, _("Someone else saved the same record at the same moment. Please try again."))
    else:
        add_service_error(form, exc, fields)
