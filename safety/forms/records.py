"""Input shapes for the gate register, inspections, plans, roster, incidents and off-campus
coordination (F6). The rules live in safety.services; these only check the shape of the input."""

from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.forms import WEEKDAYS, DateInput, staff_label
from safety import checklists
from safety.forms.attendance import ScopedChoiceField, ScopedMultipleChoiceField
from safety.models import (
    EmergencyPlan,
    Finding,
    GateEntry,
    Incident,
    IncidentFollowUp,
    InspectionResult,
    OffCampusCoordination,
    PlanKind,
)
from safety.services.inspections import ItemCheck

DATETIME_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_INPUT_FORMAT, **kwargs)


def now_local_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


def _helper(submit_label=None, *layout, submit_class: str = "btn-primary", form_id: str = "") -> FormHelper:
    helper = FormHelper()
    if layout:
        helper.layout = Layout(*layout)
    if submit_label:
        helper.add_input(Submit("submit", submit_label, css_class=submit_class))
    if form_id:
        helper.form_id = form_id
    return helper


def _filter_helper() -> FormHelper:
    """A "Show" filter of a list page: GET, no CSRF token, laid out on one line."""
    helper = _helper(_("Show"))
    helper.form_method = "get"
    helper.disable_csrf = True
    helper.form_class = "d-flex gap-2 align-items-end mb-3"
    return helper


# --- gate register --------------------------------------------------------------------------


class GateEntryForm(forms.Form):
    name = forms.CharField(
        label=_("Visitor's name"), max_length=50, widget=forms.TextInput(attrs={"autofocus": True})
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        help_text=_("The whole number or its last 4 characters; only the last 4 are kept."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    mobile = forms.CharField(
        label=_("Mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[("", "—"), *GateEntry.Purpose.choices])
    visiting = forms.CharField(label=_("Visiting"), max_length=100, help_text=_("Whom they are here to see."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _("Register entry"),
            "name",
            Row(Column("id_number", css_class="col-sm-6"), Column("mobile", css_class="col-sm-6")),
            Row(Column("purpose", css_class="col-sm-6"), Column("visiting", css_class="col-sm-6")),
            "note",
            submit_class="btn-primary btn-lg w-100",
            form_id="gate-entry-form",
        )


class GateDayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput())
    school = forms.UUIDField(required=False, widget=forms.HiddenInput)  # keeps ?school= on "Show"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _filter_helper()


# --- inspections ----------------------------------------------------------------------------


class InspectionForm(forms.Form):
    """One row per checklist item of the venue's kind: result, and for a problem what is wrong,
    how serious and by when it is to be put right."""

    inspected_on = forms.DateField(label=_("Inspected on"), widget=DateInput())
    note = forms.CharField(label=_("General note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, venue, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = checklists.checklist_for(venue.kind)
        self.fields["inspected_on"].initial = timezone.localdate()
        rows = []
        for key, label in self.items:
            self.fields[f"{key}_result"] = forms.ChoiceField(
                label=_("%(item)s: result") % {"item": label},
                choices=InspectionResult.Result.choices,
                initial="ok",
                widget=forms.RadioSelect,
            )
            self.fields[f"{key}_note"] = forms.CharField(
                label=_("%(item)s: what is wrong") % {"item": label}, max_length=300, required=False
            )
            self.fields[f"{key}_severity"] = forms.ChoiceField(
                label=_("%(item)s: severity") % {"item": label},
                choices=[("", "—"), *Finding.Severity.choices],
                required=False,
            )
            self.fields[f"{key}_deadline"] = forms.DateField(
                label=_("%(item)s: rectify by") % {"item": label}, required=False, widget=DateInput()
            )
            rows.append(
                Fieldset(
                    str(label),
                    InlineRadios(f"{key}_result"),
                    Row(
                        Column(f"{key}_note", css_class="col-md-6"),
                        Column(f"{key}_severity", css_class="col-6 col-md-3"),
                        Column(f"{key}_deadline", css_class="col-6 col-md-3"),
                    ),
                    css_class="border rounded p-2 mb-2 inspection-item",
                )
            )
        self.helper = _helper(
            _("Record the inspection"),
            "inspected_on",
            HTML(
                '<p class="small text-secondary">{}</p>'.format(
                    _(
                        "For a problem, say what is wrong, how serious it is and by when it is to be "
                        "put right."
                    )
                )
            ),
            *rows,
            "note",
            form_id="inspection-form",
        )

    def clean(self):
        data = super().clean()
        for key, _label in self.items:
            if data.get(f"{key}_result") != "problem":
                continue
            if not (data.get(f"{key}_note") or "").strip():
                self.add_error(f"{key}_note", _("Describe the problem."))
            if not data.get(f"{key}_severity"):
                self.add_error(f"{key}_severity", _("Choose the severity."))
            if not data.get(f"{key}_deadline"):
                self.add_error(f"{key}_deadline", _("Set a deadline."))
        return data

    def checks(self) -> list[ItemCheck]:
        data = self.cleaned_data
        return [
            ItemCheck(
                item=key,
                result=data[f"{key}_result"],
                note=data.get(f"{key}_note") or "",
                severity=data.get(f"{key}_severity") or "",
                deadline=data.get(f"{key}_deadline"),
            )
            for key, _label in self.items
        ]


class SignoffForm(forms.Form):
    note = forms.CharField(
        label=_("What was done to put it right"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Sign off the finding"), form_id="signoff-form")


# --- emergency plans ------------------------------------------------------------------------


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of emergency"), choices=PlanKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    responsible = ScopedChoiceField(label=_("Responsible person"), key=lambda obj: str(obj.pk))
    summary = forms.CharField(label=_("Summary of the measures"), widget=forms.Textarea(attrs={"rows": 5}))
    document = forms.FileField(
        label=_("Document"), required=False, help_text=_("PDF, Word, WPS or a photo, at most 5 MB.")
    )

    def __init__(self, *args, staff: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].set_instances(staff, staff_label, before=[("", "—")])
        self.helper = _helper(
            _("Save as a new version"),
            Row(Column("kind", css_class="col-sm-5"), Column("title", css_class="col-sm-7")),
            "responsible",
            "summary",
            "document",
            form_id="plan-form",
        )
        self.helper.form_enctype = "multipart/form-data"

    @staticmethod
    def initial_from(plan: EmergencyPlan) -> dict:
        return {
            "kind": plan.kind,
            "title": plan.title,
            "responsible": plan.responsible_id,
            "summary": plan.summary,
        }


class PlanReviewForm(forms.Form):
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, prefix="review", **kwargs)
        self.fields["reviewed_on"].initial = timezone.localdate()
        self.helper = _helper(_("Record the review"), "reviewed_on", "note", form_id="review-form")
        self.helper.form_action = action


class DrillForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    participants = forms.IntegerField(label=_("Participants"), min_value=1, max_value=100_000)
    notes = forms.CharField(label=_("How it went"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, prefix="drill", **kwargs)
        self.helper = _helper(
            _("Record the drill"),
            Row(Column("held_on", css_class="col-6"), Column("participants", css_class="col-6")),
            "notes",
            form_id="drill-form",
        )
        self.helper.form_action = action


# --- responsibility and duty roster ---------------------------------------------------------


class DutyForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[1, 2, 3, 4, 5],
    )
    leader = ScopedChoiceField(label=_("Leader on duty"), key=lambda obj: str(obj.pk))

    def __init__(self, *args, staff: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].set_instances(staff, staff_label, before=[("", "—")])
        self.helper = _helper(
            _("Put on duty"),
            Row(Column("start", css_class="col-6"), Column("end", css_class="col-6")),
            InlineCheckboxes("weekdays"),
            "leader",
            form_id="duty-form",
        )


class GroupOfficerForm(forms.Form):
    officer = ScopedChoiceField(label=_("Safety officer"), key=lambda obj: str(obj.pk))

    def __init__(self, *args, staff: list, action: str = "", prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.fields["officer"].set_instances(staff, staff_label, before=[("", "—")])
        self.helper = _helper(_("Appoint"), submit_class="btn-outline-primary")
        self.helper.form_action = action
        self.helper.form_class = "d-flex gap-2 align-items-start group-officer-form"
        self.helper.form_show_labels = False


# --- incidents ------------------------------------------------------------------------------


class IncidentForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=DateTimeInput(), input_formats=[DATETIME_INPUT_FORMAT]
    )
    place = forms.CharField(label=_("Where"), max_length=100)
    venue = ScopedChoiceField(label=_("Venue"), required=False, key=lambda obj: str(obj.pk))
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *Incident.Kind.choices])
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Incident.Severity.choices,
        widget=forms.RadioSelect,
        help_text=_("A severe incident is reported to the county bureau at once."),
    )
    children = ScopedMultipleChoiceField(
        label=_("Children involved"),
        key=lambda obj: str(obj.pk),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))
    actions_taken = forms.CharField(label=_("Actions taken"), widget=forms.Textarea(attrs={"rows": 3}))
    guardians_notified_at = forms.DateTimeField(
        label=_("Guardians notified at"),
        required=False,
        widget=DateTimeInput(),
        input_formats=[DATETIME_INPUT_FORMAT],
        help_text=_("Leave empty if not yet; record it later on the report."),
    )

    def __init__(self, *args, venues: list, students: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].set_instances(venues, lambda venue: venue.name, before=[("", "—")])
        self.fields["children"].set_instances(
            students, lambda student: f"{student.class_group.display_name} {student.name}"
        )
        self.fields["occurred_at"].initial = now_local_minute()
        self.helper = _helper(
            _("Submit the report"),
            Row(Column("occurred_at", css_class="col-sm-6"), Column("place", css_class="col-sm-6")),
            Row(Column("venue", css_class="col-sm-6"), Column("kind", css_class="col-sm-6")),
            InlineRadios("severity"),
            "children",
            "description",
            "actions_taken",
            "guardians_notified_at",
            form_id="incident-form",
        )


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Record"),
        choices=[
            (IncidentFollowUp.Kind.NOTE, IncidentFollowUp.Kind.NOTE.label),
            (IncidentFollowUp.Kind.GUARDIANS_NOTIFIED, IncidentFollowUp.Kind.GUARDIANS_NOTIFIED.label),
        ],
    )
    at = forms.DateTimeField(label=_("When"), widget=DateTimeInput(), input_formats=[DATETIME_INPUT_FORMAT])
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, prefix="followup", **kwargs)
        self.fields["at"].initial = now_local_minute()
        self.helper = _helper(
            _("Add to the report"),
            Row(Column("kind", css_class="col-sm-6"), Column("at", css_class="col-sm-6")),
            "text",
            form_id="followup-form",
        )
        self.helper.form_action = action


class CloseIncidentForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the matter ended: the child's recovery, what the school changed."),
    )
    at = forms.DateTimeField(
        label=_("Closed at"), widget=DateTimeInput(), input_formats=[DATETIME_INPUT_FORMAT]
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, prefix="close", **kwargs)
        self.fields["at"].initial = now_local_minute()
        self.helper = _helper(_("Close the incident"), "outcome", "at", form_id="close-form")
        self.helper.form_action = action


class NotifyBureauForm(forms.Form):
    text = forms.CharField(label=_("Note to the bureau"), required=False, max_length=500)

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, prefix="bureau", **kwargs)
        self.helper = _helper(
            _("Report to the county bureau"), submit_class="btn-warning", form_id="bureau-form"
        )
        self.helper.form_action = action


class IncidentFilterForm(forms.Form):
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("all")), *Incident.Severity.choices], required=False
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("all")), ("open", _("being handled")), ("closed", _("closed"))],
        required=False,
    )
    school = forms.UUIDField(required=False, widget=forms.HiddenInput)  # keeps ?school= on "Show"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _filter_helper()


# --- off-campus coordination ----------------------------------------------------------------


class CoordinationForm(forms.Form):
    department = forms.ChoiceField(
        label=_("Department"), choices=[("", "—"), *OffCampusCoordination.Department.choices]
    )
    traffic = forms.BooleanField(label=_("traffic"), required=False)
    venue = forms.BooleanField(label=_("venue"), required=False)
    fire = forms.BooleanField(label=_("fire safety"), required=False)
    food = forms.BooleanField(label=_("food hygiene"), required=False)
    security = forms.BooleanField(label=_("security"), required=False)
    contacted_on = forms.DateField(label=_("Contacted on"), widget=DateInput())
    contact = forms.CharField(label=_("Contact person and unit"), max_length=100)
    outcome = forms.CharField(label=_("What was agreed"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _("Add to the record"),
            Row(Column("department", css_class="col-sm-6"), Column("contacted_on", css_class="col-sm-6")),
            HTML('<p class="mb-1">{}</p>'.format(_("Matters discussed"))),
            Row(
                *[Column(f, css_class="col-auto") for f in ("traffic", "venue", "fire", "food", "security")],
            ),
            "contact",
            "outcome",
            form_id="coordination-form",
        )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)
