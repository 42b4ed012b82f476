"""Input shapes for the subsidy and complaint pages. Rules (budgets, overlaps, states, who may act)
live in subsidies.services; a form only checks the input's shape."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.forms import DATE_INPUT
from subsidies.models import Claim, Complaint, Rate

MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
MONEY_FIELD = dict(max_digits=12, decimal_places=2, min_value=0)


def _helper(submit: str, name: str = "submit", *, action: str = "", css_class: str = "") -> FormHelper:
    helper = FormHelper()
    if action:
        helper.form_action = action
    helper.add_input(Submit(name, submit, css_class=css_class))
    return helper


# --- claims ---------------------------------------------------------------------------------


class ClaimPrepareForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Period"),
        choices=Claim.Kind.choices,
        widget=forms.RadioSelect,
        initial=Claim.Kind.MONTH,
    )
    month = forms.DateField(label=_("Month"), required=False, widget=MONTH_INPUT, input_formats=["%Y-%m"])
    term = forms.ModelChoiceField(
        queryset=None, label=_("Term"), required=False, to_field_name="code", empty_label=_("— choose —")
    )

    def __init__(self, *args, terms=None, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = terms
        self.helper = _helper(_("Prepare the claim"), "prepare", action=action)
        self.helper.layout = Layout("kind", Row(Column("month"), Column("term"), css_class="g-2"))

    def clean(self):
        data = super().clean()
        if data.get("kind") == Claim.Kind.MONTH and not data.get("month"):
            self.add_error("month", _("Choose the month."))
        if data.get("kind") == Claim.Kind.TERM and not data.get("term"):
            self.add_error("term", _("Choose the term."))
        return data


class ClaimReturnForm(forms.Form):
    note = forms.CharField(
        label=_("What the school should correct"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, action: str = "", **kwargs):
        kwargs.setdefault("prefix", "return")
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _("Return to the school"), "return_claim", action=action, css_class="btn-warning"
        )


class ClaimPaidForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=60)

    def __init__(self, *args, action: str = "", **kwargs):
        kwargs.setdefault("prefix", "paid")
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Mark paid"), "mark_paid", action=action)


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + [c for c in Claim.Status.choices if c[0] != Claim.Status.DRAFT],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_class = "d-flex gap-2 align-items-end mb-3"
        self.helper.add_input(Submit("", _("Show"), css_class="btn-secondary"))


# --- workload -------------------------------------------------------------------------------


class AdjustmentForm(forms.Form):
    date = forms.DateField(label=_("Day"), widget=DATE_INPUT)
    teacher = forms.ModelChoiceField(
        queryset=None, label=_("Teacher"), required=False, empty_label=_("— a provider instead —")
    )
    hours = forms.DecimalField(
        label=_("Hours (+ or -)"),
        required=False,
        max_digits=6,
        decimal_places=2,
        help_text=_("For a teacher: e.g. 1.5 for a session held without a roll call, -1 for one not held."),
    )
    provider = forms.ModelChoiceField(
        queryset=None,
        label=_("Provider"),
        required=False,
        to_field_name="code",
        empty_label=_("— a teacher instead —"),
    )
    sessions = forms.IntegerField(label=_("Sessions (+ or -)"), required=False, min_value=-99, max_value=99)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args, teachers=None, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers
        self.fields["teacher"].label_from_instance = lambda u: (
            f"{u.last_name}{u.first_name or ''} ({u.username})"
        )
        self.fields["provider"].queryset = providers
        self.helper = _helper(_("Save the adjustment"))
        self.helper.layout = Layout(
            "date",
            Row(Column("teacher"), Column("hours"), css_class="g-2"),
            Row(Column("provider"), Column("sessions"), css_class="g-2"),
            "reason",
        )

    def clean(self):
        data = super().clean()
        teacher, provider = data.get("teacher"), data.get("provider")
        if bool(teacher) == bool(provider):
            raise forms.ValidationError(_("Choose either a teacher or a provider."))
        if teacher and not data.get("hours"):
            self.add_error("hours", _("Enter the hours to add or take away."))
        if provider and not data.get("sessions"):
            self.add_error("sessions", _("Enter the sessions to add or take away."))
        return data


# --- funding --------------------------------------------------------------------------------


class BudgetForm(forms.Form):
    region = forms.ModelChoiceField(queryset=None, label=_("Region"), empty_label=None, to_field_name="code")
    fiscal_year = forms.IntegerField(label=_("Fiscal year"), min_value=2000, max_value=2100)
    total = forms.DecimalField(label=_("Budget (yuan)"), **MONEY_FIELD)
    note = forms.CharField(label=_("Remarks"), required=False, max_length=200)

    def __init__(self, *args, regions=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if editing:
            del self.fields["region"]
            del self.fields["fiscal_year"]
        else:
            self.fields["fiscal_year"].initial = timezone.localdate().year
        self.helper = _helper(_("Save the budget"))


class ContractForm(forms.Form):
    region = forms.ModelChoiceField(queryset=None, label=_("Region"), empty_label=None, to_field_name="code")
    provider = forms.ModelChoiceField(queryset=None, label=_("Provider (unit)"), to_field_name="code")
    number = forms.CharField(label=_("Contract number"), max_length=60)
    scope = forms.CharField(label=_("Scope of the service"), widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.DecimalField(label=_("Contract amount (yuan)"), **MONEY_FIELD)
    start = forms.DateField(label=_("Contract starts"), widget=DATE_INPUT)
    end = forms.DateField(label=_("Contract ends"), widget=DATE_INPUT)

    def __init__(self, *args, regions=None, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["provider"].queryset = providers
        self.helper = _helper(_("Save the contract"))
        self.helper.layout = Layout(
            "region",
            "provider",
            "number",
            "scope",
            "amount",
            Row(Column("start"), Column("end"), css_class="g-2"),
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The contract cannot end before it starts."))
        return data


class RateForm(forms.Form):
    region = forms.ModelChoiceField(queryset=None, label=_("Region"), empty_label=None, to_field_name="code")
    kind = forms.ChoiceField(label=_("Kind"), choices=Rate.Kind.choices)
    amount = forms.DecimalField(label=_("Rate (yuan)"), max_digits=10, decimal_places=2, min_value=0.01)
    monthly_cap = forms.DecimalField(
        label=_("Monthly cap per teacher (yuan)"),
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=0.01,
        help_text=_("Only for the hourly rate of teachers; leave empty for no cap."),
    )
    effective_from = forms.DateField(
        label=_("In force from"),
        widget=DATE_INPUT,
        help_text=_("A change applies to sessions from this day on; submitted claims keep their rates."),
    )

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.helper = _helper(_("Set the rate"))

    def clean(self):
        data = super().clean()
        if data.get("monthly_cap") is not None and data.get("kind") != Rate.Kind.TEACHER_HOUR:
            self.add_error("monthly_cap", _("Only the hourly rate for teachers has a monthly cap."))
        return data


# --- complaints -----------------------------------------------------------------------------


class ComplaintForm(forms.Form):
    student = forms.ModelChoiceField(
        queryset=None, label=_("Which child's school is it about?"), to_field_name="code", empty_label=None
    )
    kind = forms.ChoiceField(
        label=_("What is it about?"), choices=Complaint.Kind.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        help_text=_("When and where it happened, and who was involved. Please do not write ID numbers."),
    )
    share_identity = forms.BooleanField(
        label=_("The bureau may tell the school that I made this report"),
        required=False,
        help_text=_("If you leave this empty, the school is never told who reported."),
    )

    def __init__(self, *args, children=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = children
        self.fields["student"].label_from_instance = lambda s: f"{s.name} · {s.school.name}"
        self.helper = _helper(_("Send to the education bureau"))


class ComplaintNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Handling step"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, action: str = "", **kwargs):
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record"), "record_note", action=action, css_class="btn-secondary")


class ComplaintReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply to the guardian"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )

    def __init__(self, *args, action: str = "", **kwargs):
        kwargs.setdefault("prefix", "reply")
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send the reply"), "send_reply", action=action)


class ComplaintShareForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary for the school"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Leave out anything that would identify the guardian or the child unless they agreed."),
    )

    def __init__(self, *args, action: str = "", **kwargs):
        kwargs.setdefault("prefix", "share")
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Share with the school"), "share", action=action)
