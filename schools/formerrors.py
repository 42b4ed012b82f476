"""A service's refusal shown on the form that asked for it, or flashed after an action without a
form; one helper for every app's views."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest
from django.utils.translation import gettext as _


def add_service_error(form: forms.Form, exc: Exception, fields: dict | None = None, *, clash=None) -> None:
    """Show a service's ValidationError on the form: on the field its code (or dict key) names
    (`fields` maps codes to field names), else above the form. An IntegrityError (the database's
    uniqueness guard) goes above the form as `clash`, or as a generic "saved at the same moment"."""
    if isinstance(exc, IntegrityError):
        form.add_error(
            None, clash or _("Someone else saved the same record at the same moment. Please try again.")
        )
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return
    for error in exc.error_list:
        field = (fields or {}).get(error.code)
        form.add_error(field if field in form.fields else None, error)


def flash_service_error(request: HttpRequest, exc: ValidationError) -> None:
    """Show a service's refusal as an error message on the next page, for an action without a form
    (submit, accept, discard): one message per reason."""
    for message in exc.messages:
        messages.error(request, message)


def call_service(form: forms.Form, call, fields: dict | None = None) -> bool:
    """Validate the form, then call the service with its cleaned data; a refusal goes onto the form
    (add_service_error). True when the service went through."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        add_service_error(form, exc, fields)
        return False
    return True
