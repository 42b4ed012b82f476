"""Input shapes for term reports, weights and good practice; rules live in oversight.evaluation.services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from oversight.evaluation import scoring, services
from oversight.models import GoodPractice, TermReport
from schools.models import School


def _helper(
    submit: str, *, action: str = "", name: str = "submit", css_class: str = "btn-primary"
) -> FormHelper:
    helper = FormHelper()
    if action:
        helper.form_action = action
    helper.add_input(Submit(name, submit, css_class=css_class))
    return helper


class ReportPrepareForm(forms.Form):
    """The hidden fields of the "Prepare the report" button: the school, from the schools the user
    manages (cleaned_data holds that instance), and the term key the service checks."""

    school = forms.ModelChoiceField(queryset=None, to_field_name="code")
    term = forms.CharField(required=False)

    def __init__(self, *args, schools: QuerySet[School], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class ReportNarrativeForm(forms.ModelForm):
    class Meta:
        model = TermReport
        fields = ["summary", "problems", "plans"]
        widgets = {f: forms.Textarea(attrs={"rows": 5}) for f in fields}

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].widget.attrs["maxlength"] = 10000
        self.helper = _helper(_("Save the report"), action=action, name="save")


class ReturnForm(forms.Form):
    note = forms.CharField(
        label=_("What the school should change"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _("Return to the school"), action=action, name="return", css_class="btn-outline-danger"
        )


class WeightsForm(forms.Form):
    """One whole-number weight (percent) per indicator; they must add up to 100."""

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for indicator in scoring.INDICATORS:
            self.fields[indicator.key] = forms.IntegerField(
                label=indicator.label, max_value=100, widget=forms.NumberInput(attrs={"step": 1})
            )
        self.helper = _helper(_("Save the weights"), action=action, name="save")

    def clean(self):
        data = super().clean()
        if all(self.cleaned_data.get(key) is not None for key in scoring.KEYS):
            try:
                services.weights_validate({key: data[key] for key in scoring.KEYS})
            except ValidationError as exc:
                raise ValidationError(exc.messages[0], code=exc.error_list[0].code) from exc
        return data


class PracticeForm(forms.ModelForm):
    class Meta:
        model = GoodPractice
        fields = ["title", "summary", "body"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2}), "body": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Submit to the education bureau"), action=action)
