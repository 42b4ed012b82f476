"""Forms of the oversight app: the input's shape only (rules in the services)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from oversight.models import GeneratedReport


class ReportRequestForm(forms.Form):
    """Ask for a report: what, of which region or school, for which month or term, in which format."""

    kind = forms.ChoiceField(label=_("Report"), choices=GeneratedReport.Kind.choices)
    scope = forms.ChoiceField(label=_("Region or school"))
    period = forms.ChoiceField(label=_("Month or term"))
    format = forms.ChoiceField(label=_("Format"), choices=GeneratedReport.Format.choices)

    def __init__(self, *args, regions: QuerySet, schools: QuerySet, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.regions, self.schools = regions, schools
        self.fields["scope"].choices = [(f"region:{r.code}", r.name) for r in regions] + [
            (f"school:{s.code}", s.name) for s in schools
        ]
        self.fields["period"].choices = [
            (_("Months"), [(m, m) for m in choices["months"]]),
            (_("Terms"), list(choices["terms"])),
        ]
        self.helper = FormHelper()
        self.helper.form_id = "report-request"
        self.helper.layout = Layout(
            Row(
                *[Column(name, css_class="col-12 col-md") for name in ("kind", "scope", "period", "format")],
                css_class="g-2 align-items-end",
            )
        )
        self.helper.add_input(Submit("submit", _("Generate report")))

    def clean_scope(self) -> tuple:
        """(region, school), one of them set: the instance from the scoped querysets the view gave."""
        kind, _sep, code = self.cleaned_data["scope"].partition(":")
        if kind == "region":
            return self.regions.get(code=code), None
        return None, self.schools.get(code=code)

    def clean(self):
        data = super().clean()
        kind, period = data.get("kind"), data.get("period", "")
        is_term = period.endswith(("-autumn", "-spring"))
        if kind == GeneratedReport.Kind.MONTHLY and is_term:
            self.add_error("period", _("A monthly report needs a month."))
        if kind == GeneratedReport.Kind.TERM and period and not is_term:
            self.add_error("period", _("A term report needs a term."))
        return data
