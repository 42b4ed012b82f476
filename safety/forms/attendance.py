"""Input shapes for the attendance, handover, leave and release pages (F5). The rules live in
safety.services; a form only checks the input's shape."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import ActivityGroup
from safety.models import Attendance, Release
from safety.services.release import ALONE, OTHER, TRANSFER
from schools.models import ClassGroup

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MARK_CHOICES = [
    (Attendance.Status.PRESENT, _("present")),
    (Attendance.Status.LATE, _("late")),
    (Attendance.Status.LEFT_EARLY, _("left early")),
    (Attendance.Status.ABSENT, _("absent")),
]


class ScopedChoiceField(forms.ChoiceField):
    """A choice among instances the view fetched through schools.access: the page posts their key
    (a code), cleaned_data holds the instance, and a key outside the list is a form error. Choices
    that are not instances (e.g. "someone not on the list") clean to their own value."""

    def __init__(self, *args, key=lambda obj: str(obj.code), **kwargs):
        self.key = key
        self.instances = {}
        super().__init__(*args, **kwargs)

    def set_instances(self, instances, label, *, before=(), after=()):
        self.instances = {self.key(obj): obj for obj in instances}
        self.choices = [*before, *((key, label(obj)) for key, obj in self.instances.items()), *after]

    def clean(self, value):
        value = super().clean(value)
        return None if value in self.empty_values else self.instances.get(value, value)


class ScopedMultipleChoiceField(forms.MultipleChoiceField):
    """Several instances among those the view fetched through schools.access (see ScopedChoiceField)."""

    def __init__(self, *args, key=lambda obj: str(obj.code), **kwargs):
        self.key = key
        self.instances = {}
        super().__init__(*args, **kwargs)

    def set_instances(self, instances, label):
        self.instances = {self.key(obj): obj for obj in instances}
        self.choices = [(key, label(obj)) for key, obj in self.instances.items()]

    def clean(self, value):
        return [self.instances[key] for key in super().clean(value)]


class RollCallForm(forms.Form):
    """One choice per child on the roll (children on leave have none): the whole class in one post.
    Rendered as one-tap buttons by the template, not by crispy."""

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.children = []
        for child in children:
            name = f"s-{child.student.code}"
            if child.leave is None:
                self.fields[name] = forms.ChoiceField(
                    choices=MARK_CHOICES, required=False, widget=forms.RadioSelect, label=child.student.name
                )
                if child.mark is not None and child.mark.status in dict(MARK_CHOICES):
                    self.initial[name] = child.mark.status
            self.children.append((child, name))

    def rows(self):
        """(child, field name, chosen value) in roll order, for the template."""
        for child, name in self.children:
            if name not in self.fields:
                yield child, name, None, []
                continue
            value = self[name].value() if self.is_bound else self.initial.get(name)
            yield child, name, value, self.errors.get(name, [])

    def marks(self) -> dict[int, str]:
        return {
            child.student.pk: self.cleaned_data[name]
            for child, name in self.children
            if name in self.fields and self.cleaned_data.get(name)
        }


class CountForm(forms.Form):
    count = forms.IntegerField(label=_("Head count"), min_value=0, max_value=500)

    def __init__(self, *args, submit=None, action="", extra=None, **kwargs):
        super().__init__(*args, **kwargs)
        submit = submit or _("Confirm the count")
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_class = "d-flex gap-2 align-items-end flex-wrap"
        self.helper.layout = Layout(
            *(extra or []),
            Field("count", inputmode="numeric", wrapper_class="mb-0 flex-grow-1"),
        )
        self.helper.add_input(Submit("submit", submit, css_class="btn-success"))


class ClassHandoverForm(CountForm):
    """The class teacher's count for one session of the day; `session` cleans to that day's
    ClassSession (selectors.attendance.class_day) of the teacher's class."""

    session = ScopedChoiceField(
        widget=forms.HiddenInput,
        key=lambda item: str(item.roster.session.code),
        error_messages={"invalid_choice": _("No child of this class is in this session today.")},
    )

    def __init__(self, *args, items=(), session_code="", **kwargs):
        super().__init__(*args, submit=_("Hand over"), extra=["session"], **kwargs)
        self.fields["session"].set_instances(items, lambda item: str(item.roster.session))
        self.initial.setdefault("session", str(session_code))


class DutyHandoverForm(forms.Form):
    to_user = forms.ModelChoiceField(queryset=None, label=_("Teacher taking over"))
    count = forms.IntegerField(label=_("Head count"), min_value=0, max_value=500)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = staff
        self.fields["to_user"].label_from_instance = lambda u: f"{u.last_name}{u.first_name}" or u.username
        self.fields["count"].widget.attrs["inputmode"] = "numeric"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Hand over the group"), css_class="btn-primary w-100"))


VERIFICATION_CHOICES = [
    (Release.Verification.CODE, _("pick-up code")),
    (Release.Verification.ID_LAST4, _("last 4 ID digits")),
    (Release.Verification.PHOTO, _("photo / known in person")),
]


def _person_label(person) -> str:
    label = f"{person.name}（{person.relationship}）"
    if person.state == "restricted":
        label += " · " + str(_("restricted by the school"))
    elif person.state != "valid":
        label += " · " + str(_("not valid today"))
    return label


class ReleaseForm(forms.Form):
    """Who collects the child and how the teacher checked them. "Someone not on the list" records
    a refusal; "goes home alone" needs the application's consent; "moves to another group" hands
    the child to another supervised group."""

    person = ScopedChoiceField(
        label=_("Who is collecting the child?"), widget=forms.RadioSelect, key=lambda person: person.key
    )
    verification = forms.ChoiceField(
        label=_("How did you check the person?"),
        choices=VERIFICATION_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    code = forms.CharField(label=_("The code shown"), max_length=8, required=False)
    id_last4 = forms.CharField(label=_("The last 4 ID digits they give"), max_length=4, required=False)
    other_name = forms.CharField(label=_("Name the person gave"), max_length=50, required=False)
    other_mobile = forms.CharField(label=_("Their mobile number"), max_length=20, required=False)
    to_session = ScopedChoiceField(label=_("Group the child moves to"), required=False)

    def __init__(self, *args, people=(), may_go_alone=False, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        others = [(OTHER, _("Someone not on the list"))]
        if may_go_alone:
            others.append((ALONE, _("Goes home alone (written consent)")))
        if sessions:
            others.append((TRANSFER, _("Moves to another supervised group")))
        self.fields["person"].set_instances(people, _person_label, after=others)
        self.fields["to_session"].set_instances(
            sessions,
            lambda s: f"{s.group.name} {s.start:%H:%M}–{s.end:%H:%M} · {s.venue.name}",
            before=[("", "—")],
        )
        self.fields["code"].widget.attrs.update(inputmode="numeric", autocomplete="off", pattern="[0-9 ]*")
        self.fields["id_last4"].widget.attrs.update(autocomplete="off")
        self.helper = FormHelper()
        self.helper.form_id = "release-form"
        self.helper.layout = Layout(
            "person",
            Div("verification", "code", "id_last4", css_id="verify-block"),
            Div(
                HTML(
                    '<p class="small text-danger mb-2">{}</p>'.format(
                        _("Do not hand the child over. Write down who asked.")
                    )
                ),
                "other_name",
                "other_mobile",
                css_id="other-block",
            ),
            Div("to_session", css_id="transfer-block"),
        )
        self.helper.add_input(Submit("submit", _("Record"), css_class="btn-primary w-100"))

    def clean(self):
        data = super().clean()
        person = data.get("person")
        if person == OTHER and not (data.get("other_name") or "").strip():
            self.add_error("other_name", _("Write down the name the person gave."))
        if person == TRANSFER and not data.get("to_session"):
            self.add_error("to_session", _("Choose the group the child moves to."))
        if person and not isinstance(person, str) and not data.get("verification"):
            self.add_error("verification", _("Choose how you checked the person."))
        return data

    def decision(self) -> dict:
        """The cleaned choice as release_decide's keyword arguments (the page and the API share it)."""
        data = self.cleaned_data
        return {
            "person": data["person"],
            "to_session": data["to_session"],
            "other_name": data["other_name"],
            "other_mobile": data["other_mobile"],
            "verification": data.get("verification") or "",
            "code": data.get("code") or "",
            "id_last4": data.get("id_last4") or "",
        }


class LeaveForm(forms.Form):
    FOR_DAYS, FOR_SESSION = "days", "session"
    scope = forms.ChoiceField(
        label=_("Leave for"),
        choices=[(FOR_DAYS, _("whole days")), (FOR_SESSION, _("one session"))],
        widget=forms.RadioSelect,
        initial=FOR_DAYS,
    )
    start = forms.DateField(label=_("First day"), widget=DATE_INPUT, required=False)
    end = forms.DateField(label=_("Last day"), widget=DATE_INPUT, required=False)
    session = ScopedChoiceField(label=_("Session"), required=False)
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)

    def __init__(self, *args, sessions=(), today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].set_instances(
            sessions, lambda s: f"{s.date:%m-%d} {s.group.name} {s.start:%H:%M}", before=[("", "—")]
        )
        if today:
            self.fields["start"].widget.attrs["min"] = today.isoformat()
            self.fields["end"].widget.attrs["min"] = today.isoformat()
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "scope",
            Div("start", "end", css_id="leave-days"),
            Div("session", css_id="leave-session"),
            "reason",
        )
        self.helper.add_input(Submit("submit", _("Report leave"), css_class="w-100"))

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.FOR_SESSION:
            if not data.get("session"):
                self.add_error("session", _("Choose the session."))
        else:
            if not data.get("start"):
                self.add_error("start", _("Give the first day."))
            if data.get("start") and not data.get("end"):
                data["end"] = data["start"]
        return data


class GateSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, mobile number or pick-up code"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(autofocus=True, autocomplete="off")
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("", _("Look up"), css_class="w-100"))


class RecordsFilterForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DATE_INPUT, required=False)
    group = ScopedChoiceField(label=_("Group"), required=False)
    class_group = ScopedChoiceField(label=_("Class"), required=False)

    def __init__(self, *args, groups=(), classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].set_instances(groups, lambda g: g.name, before=[("", _("all groups"))])
        self.fields["class_group"].set_instances(
            classes, lambda c: c.display_name, before=[("", _("all classes"))]
        )
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_class = "row g-2 align-items-end mb-3"
        self.helper.layout = Layout(
            Div("day", css_class="col-12 col-md-3"),
            Div("group", css_class="col-12 col-md-4"),
            Div("class_group", css_class="col-12 col-md-3"),
        )
        self.helper.add_input(Submit("", _("Show"), css_class="col-12 col-md-2"))


class ExportForm(forms.Form):
    """The attendance export's period, narrowed to one of the school's groups or classes: `groups`
    and `classes` are the school's, passed in by the view; a code outside them is a field error."""

    start = forms.DateField(label=_("From"), widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), widget=DATE_INPUT)
    group = forms.ModelChoiceField(
        queryset=ActivityGroup.objects.none(), required=False, to_field_name="code", widget=forms.HiddenInput
    )
    class_group = forms.ModelChoiceField(
        queryset=ClassGroup.objects.none(), required=False, to_field_name="code", widget=forms.HiddenInput
    )

    def __init__(self, *args, action="", groups=None, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if groups is not None:
            self.fields["group"].queryset = groups
        if classes is not None:
            self.fields["class_group"].queryset = classes
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_action = action
        self.helper.disable_csrf = True
        self.helper.form_class = "row g-2 align-items-end"
        self.helper.layout = Layout(
            Div("start", css_class="col-6 col-md-3"),
            Div("end", css_class="col-6 col-md-3"),
            "group",
            "class_group",
        )
        self.helper.add_input(
            Submit("", _("Export to Excel"), css_class="col-12 col-md-3 btn-outline-primary")
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                self.add_error("end", _("The last day cannot be before the first day."))
            elif (data["end"] - data["start"]).days > 92:
                self.add_error("end", _("Export at most three months at a time."))
        return data
