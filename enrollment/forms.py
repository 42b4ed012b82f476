"""Input shapes for the enrollment pages. The rules (window open, notice read, consents, choices
open to the grade, capacity) live in enrollment.services; a form only checks the input's shape."""

from crispy_forms.bootstrap import FormActions, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from activities.forms import WEEKDAY_NAMES
from activities.models import ActivityGroup, Category
from enrollment.days import days_label, group_weekdays
from enrollment.models import FREE_STATEMENT, Application, EnrollmentWindow, ParentNotice

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

# Service error codes → the field that shows them (others go above the form).
APPLICATION_ERROR_FIELDS = {
    "days": "days",
    "days_mismatch": "days",
    "choices": "choice_1",
    "pickup": "pickup",
    "pickup_persons": "pickup_persons",
    "alone_consent": "alone_consent",
    "priority_consent": "priority_consent",
    "safety_commitment": "safety_commitment",
}

SAFETY_COMMITMENT = _(
    "I will tell the school in advance when my child will not attend; I will collect my child on time "
    "at the end of the service, or send only the persons named here; I will tell the school at once "
    "when the pick-up arrangement changes; and I will teach my child to follow the teachers' "
    "instructions and the safety rules."
)
PIPL_NOTE = _(
    "Declaring a priority group is voluntary. Children in these groups are served first (Ministry "
    "guidance, clause 2). The information is sensitive personal information: only the class "
    "teacher and the school admin see it, only to review and place the application, and it is not "
    "used for anything else. You may leave this part empty."
)
ALONE_NOTE = _(
    "A child goes home alone only with the guardian's written consent. Tick the box below as that "
    "written consent; the school keeps it with the application."
)


def weekday_choices(weekdays: str) -> list[tuple[str, str]]:
    return [(d, WEEKDAY_NAMES[int(d)]) for d in weekdays]


def days_string(values) -> str:
    return "".join(sorted(set(values or [])))


def group_label(group) -> str:
    """The group's name; on the application form (slots prefetched, free seats counted) also the
    days it meets, so that a family picks a group that meets on one of its days (F12)."""
    free = getattr(group, "free", None)
    if free is None:
        return group.name
    return _("%(group)s · meets %(days)s · %(free)s places free") % {
        "group": group.name,
        "days": days_label(group_weekdays(group)),
        "free": free,
    }


class _GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, group):
        return group_label(group)


class _PickupPersonsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, pickup):
        return f"{pickup.name}（{pickup.relationship}）"


class NoticeAckForm(forms.Form):
    """ "I have read it" for one version of the notice: `version` cleans to that ParentNotice, one
    of the term's `notices` the view passes in (another term's version is a field error)."""

    version = forms.ModelChoiceField(
        queryset=ParentNotice.objects.none(), to_field_name="version", widget=forms.HiddenInput
    )

    def __init__(self, *args, action: str = "", notices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if notices is not None:
            self.fields["version"].queryset = notices
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_class = "mb-0"
        self.helper.add_input(Submit("acknowledge", _("I have read the notice"), css_class="w-100"))


class SurveyForm(forms.Form):
    wants_service = forms.TypedChoiceField(
        label=_("Does your child need the after-school service this term?"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    days = forms.MultipleChoiceField(
        label=_("On which days?"), required=False, widget=forms.CheckboxSelectMultiple
    )
    latest_pickup = forms.TimeField(
        label=_("Latest time you can collect your child"), required=False, widget=TIME_INPUT
    )
    interests = forms.MultipleChoiceField(
        label=_("What interests your child?"),
        required=False,
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, weekdays: str = "12345", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = weekday_choices(weekdays)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Send my answer"), css_class="w-100"))

    @classmethod
    def initial_from(cls, response) -> dict:
        if response is None:
            return {}
        return {
            "wants_service": "1" if response.wants_service else "0",
            "days": list(response.days),
            "latest_pickup": response.latest_pickup,
            "interests": response.interests,
        }


class ApplicationForm(forms.Form):
    days = forms.MultipleChoiceField(
        label=_("On which days will your child attend?"), required=False, widget=forms.CheckboxSelectMultiple
    )
    # Group codes; the options are the groups the view read once, with their free places.
    choice_1 = _GroupChoiceField(queryset=None, label=_("First choice"), required=False, to_field_name="code")
    choice_2 = _GroupChoiceField(
        queryset=None, label=_("Second choice"), required=False, to_field_name="code"
    )
    choice_3 = _GroupChoiceField(queryset=None, label=_("Third choice"), required=False, to_field_name="code")
    pickup = forms.ChoiceField(
        label=_("How is your child collected?"),
        choices=Application.Pickup.choices,
        widget=forms.RadioSelect,
        initial=Application.Pickup.GUARDIAN,
    )
    pickup_persons = _PickupPersonsField(
        queryset=None,
        label=_("Authorised persons who may collect the child"),
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    alone_consent = forms.BooleanField(
        label=_("I consent in writing that my child goes home alone after the service."), required=False
    )
    left_behind = forms.BooleanField(label=_("Left-behind child (留守儿童)"), required=False)
    migrant = forms.BooleanField(label=_("Child of migrant workers (进城务工人员随迁子女)"), required=False)
    low_income = forms.BooleanField(label=_("Low-income family"), required=False)
    disability = forms.BooleanField(label=_("Disability"), required=False)
    other_need = forms.CharField(label=_("Other need (note)"), max_length=200, required=False)
    priority_consent = forms.BooleanField(
        label=_(
            "I agree that the school uses this priority-group information to review and place the "
            "application."
        ),
        required=False,
    )
    safety_commitment = forms.BooleanField(label=_("I accept the safety commitment."), required=False)

    def __init__(
        self, *args, groups=(), pickups=None, weekdays="12345", second_round=False, submit="", **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.second_round = second_round
        self.fields["days"].choices = weekday_choices(weekdays)
        self._choices_offer(groups)
        self.fields["pickup_persons"].queryset = pickups
        if pickups is not None and not pickups.exists():
            self.fields["pickup_persons"].help_text = _(
                "Your child has no authorised person valid today. Add one on the child's page first."
            )
        if second_round:
            del self.fields["choice_2"], self.fields["choice_3"]
            self.fields["choice_1"].label = _("Activity")
        choices = [name for name in ("choice_1", "choice_2", "choice_3") if name in self.fields]
        self.helper = FormHelper()
        self.helper.form_id = "application-form"
        self.helper.layout = Layout(
            Fieldset(_("Days"), "days"),
            Fieldset(
                _("Activities"),
                HTML(
                    format_html(
                        '<p class="small text-secondary">{}</p>',
                        _(
                            "Choose one activity: in the second round the remaining places go first "
                            "come, first served."
                        )
                        if second_round
                        else _(
                            "Choose up to three activities in order of preference. The list above "
                            "shows each one's times and free places."
                        ),
                    )
                ),
                *choices,
            ),
            Fieldset(
                _("Pick-up"),
                "pickup",
                Div("pickup_persons", css_id="pickup-persons-block"),
                Div(
                    HTML(format_html('<p class="small text-secondary mb-1">{}</p>', ALONE_NOTE)),
                    "alone_consent",
                    css_id="alone-consent-block",
                ),
            ),
            Fieldset(
                _("Priority groups (optional)"),
                HTML(format_html('<p class="small text-secondary">{}</p>', PIPL_NOTE)),
                "left_behind",
                "migrant",
                "low_income",
                "disability",
                "other_need",
                Div("priority_consent", css_class="border-top pt-2"),
            ),
            Fieldset(
                _("Safety commitment"),
                HTML(format_html('<p class="small">{}</p>', SAFETY_COMMITMENT)),
                "safety_commitment",
            ),
        )
        self.helper.add_input(Submit("submit", submit or _("Submit the application"), css_class="w-100"))

    def _choices_offer(self, groups) -> None:
        """Each choice field takes exactly these groups (a list the view read once, open to the
        child): a code outside them is a field error, a valid one cleans to the group."""
        groups = list(groups)
        options = [("", _("— choose an activity —"))] + [(str(g.code), group_label(g)) for g in groups]
        offered = ActivityGroup.objects.filter(pk__in=[g.pk for g in groups])
        for name in ("choice_1", "choice_2", "choice_3"):
            self.fields[name].queryset = offered
            self.fields[name].choices = options

    def service_kwargs(self) -> dict:
        """The cleaned input as enrollment.services.application_submit/update take it."""
        data = self.cleaned_data
        names = ("choice_1", "choice_2", "choice_3")
        authorised = data["pickup"] == Application.Pickup.AUTHORISED
        return dict(
            days=days_string(data["days"]),
            group_ids=[data[n].pk for n in names if data.get(n)],
            pickup=data["pickup"],
            pickup_persons=list(data["pickup_persons"]) if authorised else [],
            alone_consent=data["alone_consent"],
            left_behind=data["left_behind"],
            migrant=data["migrant"],
            low_income=data["low_income"],
            disability=data["disability"],
            other_need=data["other_need"],
            priority_consent=data["priority_consent"],
            safety_commitment=data["safety_commitment"],
        )

    @classmethod
    def initial_from(cls, application: Application) -> dict:
        choices = {f"choice_{c.rank}": str(c.group.code) for c in application.choices.all()}
        return {
            "days": list(application.days),
            **choices,
            "pickup": application.pickup,
            "pickup_persons": [str(p.code) for p in application.pickup_persons.all()],
            "alone_consent": application.alone_consent,
            "left_behind": application.left_behind,
            "migrant": application.migrant,
            "low_income": application.low_income,
            "disability": application.disability,
            "other_need": application.other_need,
            "priority_consent": application.priority_consent,
            "safety_commitment": application.safety_commitment,
        }


class ReviewForm(forms.Form):
    """Return with a note or decline with a reason; approving needs no input."""

    note = forms.CharField(
        label=_("Note to the guardian"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to return (what to correct) or decline (the reason)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "review-form"
        self.helper.layout = Layout(
            "note",
            FormActions(
                StrictButton(
                    _("Return for correction"),
                    type="submit",
                    name="action",
                    value="return",
                    css_class="btn-warning",
                ),
                StrictButton(
                    _("Decline"),
                    type="submit",
                    name="action",
                    value="decline",
                    css_class="btn-outline-danger",
                ),
                css_class="d-flex flex-wrap gap-2",
            ),
        )


class WindowForm(forms.Form):
    opens_at = forms.DateTimeField(label=_("Applications open"), widget=DATETIME_INPUT)
    closes_at = forms.DateTimeField(label=_("Applications close"), widget=DATETIME_INPUT)
    review_deadline = forms.DateTimeField(label=_("Class review ends"), widget=DATETIME_INPUT)
    tie_break = forms.ChoiceField(
        label=_("When children are equal (same priority, same choice), who comes first?"),
        choices=EnrollmentWindow.TieBreak.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A seeded lottery is recorded so that anyone can repeat it; submission time favours "
            "families who apply early."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "window-form"
        self.helper.add_input(Submit("save_window", _("Save the window")))

    @classmethod
    def initial_from(cls, window: EnrollmentWindow | None) -> dict:
        if window is None:
            return {"tie_break": EnrollmentWindow.TieBreak.LOTTERY}
        local = timezone.localtime
        return {
            "opens_at": local(window.opens_at),
            "closes_at": local(window.closes_at),
            "review_deadline": local(window.review_deadline),
            "tie_break": window.tie_break,
        }


class NoticeForm(forms.Form):
    service_method = forms.CharField(
        label=_("How the service is run"), widget=forms.Textarea(attrs={"rows": 4})
    )
    content = forms.CharField(label=_("What the service offers"), widget=forms.Textarea(attrs={"rows": 4}))
    safety_measures = forms.CharField(label=_("Safety measures"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "notice-form"
        self.helper.layout = Layout(
            "service_method",
            "content",
            "safety_measures",
            HTML(
                format_html(
                    '<div class="mb-3" id="free-statement"><div class="form-label">{}</div>'
                    '<div class="border rounded px-2 py-1 bg-light">{}</div>'
                    '<div class="form-text">{}</div></div>',
                    _("Free-of-charge statement"),
                    FREE_STATEMENT,
                    _("Fixed by the platform: every notice states it, and no school can change it."),
                )
            ),
        )
        self.helper.add_input(Submit("publish", _("Publish as a new version")))


class SecondRoundForm(forms.Form):
    needs_review = forms.BooleanField(
        label=_("Second-round applications need class review before they take a seat"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "second-round-form"
        self.helper.add_input(
            Submit("open_second_round", _("Open the second round"), css_class="btn-secondary")
        )


class MoveForm(forms.Form):
    group = _GroupChoiceField(queryset=None, label=_("Move to"), to_field_name="code", empty_label=None)

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.helper = FormHelper()
        self.helper.add_input(Submit("move", _("Move")))


class SurveySettingsForm(forms.Form):
    """The school admin's demand survey (征求意见, M2): when it is open and what it tells parents."""

    opens_at = forms.DateTimeField(label=_("Survey opens"), widget=DATETIME_INPUT)
    closes_at = forms.DateTimeField(label=_("Survey closes"), widget=DATETIME_INPUT)
    note = forms.CharField(
        label=_("Note to parents"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to parents above the questions (days, latest pick-up time, interests)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "survey-form"
        self.helper.add_input(Submit("save_survey", _("Save the survey")))

    @classmethod
    def initial_from(cls, survey) -> dict:
        if survey is None:
            return {}
        local = timezone.localtime
        return {"opens_at": local(survey.opens_at), "closes_at": local(survey.closes_at), "note": survey.note}
