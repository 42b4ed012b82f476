"""Input shapes for supervision visits, answers and school documents; rules live in services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from oversight.models import DocumentKind
from schools.models import School


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _helper(submit: str, *, action: str = "", form_id: str = "") -> FormHelper:
    helper = FormHelper()
    if action:
        helper.form_action = action
    if form_id:
        helper.form_id = form_id
    helper.add_input(Submit("submit", submit))
    return helper


class VisitForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label=_("School"), to_field_name="code")
    visited_on = forms.DateField(label=_("Day of the visit"), widget=DateInput())
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One finding a line."),
    )
    deadline = forms.DateField(label=_("Rectify by"), required=False, widget=DateInput())

    def __init__(self, *args, schools: QuerySet[School], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.helper = _helper(_("Record the visit"), form_id="visit-form")

    @property
    def finding_lines(self) -> list[str]:
        return [line for line in self.cleaned_data.get("findings", "").splitlines() if line.strip()]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class FindingAnswerForm(forms.Form):
    note = forms.CharField(label=_("How it was rectified"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = MultipleFileField(
        label=_("Evidence"),
        required=False,
        help_text=_("Photos (JPG, PNG), PDF or Word (.doc, .docx), at most 5 files of 5 MB each."),
    )

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Report as rectified"), action=action)
        self.helper.form_enctype = "multipart/form-data"


class DocumentForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label=_("School"), to_field_name="code")
    term = forms.ChoiceField(label=_("Term"))
    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    document = forms.FileField(
        label=_("Document"), help_text=_("PDF, a photo (JPG, PNG) or Word (.docx), at most 5 MB.")
    )

    def __init__(self, *args, schools: QuerySet[School], terms: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        if schools.count() == 1:
            self.fields["school"].initial = schools.first().code
        self.fields["term"].choices = terms
        self.helper = _helper(_("Upload as a new version"), form_id="document-form")
        self.helper.form_enctype = "multipart/form-data"
