from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools import roster
from schools.models import GRADE_NAMES, Role, School, Student


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Log in"), css_class="w-100"))


class PasswordForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Change password")))


# --- school admin screens and parents' pick-up persons --------------------------------------------
# Forms carry the input's shape only; the rules live in schools.services.


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _search_helper(*columns) -> FormHelper:
    helper = FormHelper()
    helper.form_method = "get"
    helper.disable_csrf = True
    helper.form_class = "mb-3"
    helper.layout = Layout(
        Row(*[Column(name, css_class="col-12 col-md") for name in columns], css_class="g-2 align-items-end"),
    )
    helper.add_input(Submit("", _("Search")))
    return helper


class SchoolPickForm(forms.Form):
    """A school admin of several schools picks the one to work on."""

    school = forms.ModelChoiceField(queryset=None, label=_("School"), to_field_name="code", empty_label=None)

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_class = "d-flex gap-2 align-items-end mb-3"
        self.helper.add_input(Submit("", _("Switch school"), css_class="btn-secondary"))


class ClassAddForm(forms.Form):
    grade = forms.TypedChoiceField(
        label=_("Grade"), coerce=int, choices=[(g, f"{name}年级") for g, name in GRADE_NAMES.items()]
    )
    number = forms.IntegerField(label=_("Class number"), min_value=1, max_value=99)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Row(Column("grade"), Column("number"), css_class="g-2"))
        self.helper.add_input(Submit("add_class", _("Add class")))


class ClassTeacherForm(forms.Form):
    teacher = forms.ModelChoiceField(
        queryset=None,
        label=_("Class teacher"),
        required=False,
        empty_label=_("— no class teacher —"),
        help_text=_("Choose from the people who hold a role in this school."),
    )

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = staff
        self.fields["teacher"].label_from_instance = lambda u: f"{u} ({u.username})"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Set class teacher")))


class RolloverForm(forms.Form):
    """The year rollover's preview form: the class teacher of each class after moving up (kept
    unless changed), and the admin's confirmation."""

    confirm = forms.BooleanField(
        label=_("I have checked the classes above and want to move the school into the new school year."),
        required=True,
    )

    def __init__(self, *args, moves=(), staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.moves = list(moves)
        for move in self.moves:
            field = forms.ModelChoiceField(
                queryset=staff,
                label=move.new_name,
                required=False,
                empty_label=_("— no class teacher —"),
                initial=move.teacher.pk if move.teacher else None,
            )
            field.label_from_instance = lambda u: f"{u} ({u.username})"
            self.fields[self.teacher_field(move)] = field
        self.fields["confirm"] = self.fields.pop("confirm")
        self.helper = FormHelper()
        self.helper.add_input(Submit("run", _("Move up a grade")))

    @staticmethod
    def teacher_field(move) -> str:
        return f"teacher_{move.class_group.code.hex}"

    def teachers(self) -> dict:
        """{class id: the chosen class teacher or None}, for the classes whose teacher changed."""
        changed = {}
        for move in self.moves:
            chosen = self.cleaned_data.get(self.teacher_field(move))
            if (chosen.pk if chosen else None) != (move.teacher.pk if move.teacher else None):
                changed[move.class_group.pk] = chosen
        return changed


STAFF_ROLE_CHOICES = [
    (Role.SERVICE_TEACHER, Role.SERVICE_TEACHER.label),
    (Role.GATE_GUARD, Role.GATE_GUARD.label),
    (Role.SCHOOL_ADMIN, Role.SCHOOL_ADMIN.label),
    (Role.CLASS_TEACHER, Role.CLASS_TEACHER.label),
]


class _StaffRoleFields(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)
    class_group = forms.ModelChoiceField(
        queryset=None,
        label=_("Class (for a class teacher)"),
        required=False,
        help_text=_("A new class teacher takes over the class from the current one."),
    )

    def __init__(self, *args, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_group"].queryset = classes

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.CLASS_TEACHER and not data.get("class_group"):
            self.add_error("class_group", _("Choose the class this person will lead."))
        return data


class StaffExistingForm(_StaffRoleFields):
    login = forms.CharField(label=_("Username or mobile number"), max_length=150)
    field_order = ["login", "role", "class_group"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "existing")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("add_role", _("Add role")))


class StaffCreateForm(_StaffRoleFields):
    name = forms.CharField(label=_("Full name"), max_length=150)
    username = forms.CharField(label=_("Username"), max_length=150)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    field_order = ["name", "username", "mobile", "role", "class_group"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("create_account", _("Create account")))


PRIORITY_CHOICES = [
    ("", _("All students")),
    ("any", _("Any priority group")),
    ("left_behind", _("Left-behind child")),
    ("migrant", _("Child of migrant workers")),
    ("low_income", _("Low-income family")),
    ("disability", _("Disability")),
    ("other", _("Other need")),
]


class StudentSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or last digits of the student number"), required=False, max_length=50)
    class_group = forms.ModelChoiceField(
        queryset=None, label=_("Class"), required=False, to_field_name="code", empty_label=_("All classes")
    )
    priority = forms.ChoiceField(label=_("Priority group"), choices=PRIORITY_CHOICES, required=False)
    school = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_group"].queryset = classes
        self.helper = _search_helper("q", "class_group", "priority")
        self.helper.layout.append("school")


class GuardianSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or mobile number"), required=False, max_length=50)
    school = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _search_helper("q")
        self.helper.layout.append("school")


PICKUP_STATE_CHOICES = [
    ("", _("All")),
    ("valid", _("Valid today")),
    ("upcoming", _("Not yet valid")),
    ("ended", _("Ended")),
    ("restricted", _("Restricted by the school")),
]


class PickupSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, mobile number or child"), required=False, max_length=50)
    state = forms.ChoiceField(label=_("Status"), choices=PICKUP_STATE_CHOICES, required=False)
    school = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _search_helper("q", "state")
        self.helper.layout.append("school")


class StudentEditForm(forms.Form):
    class_group = forms.ModelChoiceField(queryset=None, label=_("Class"), empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=Student.Gender.choices)
    student_number = forms.CharField(
        label=_("National student number"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to keep the current number."),
    )
    birth_date = forms.DateField(label=_("Birth date"), widget=DATE_INPUT)
    left_behind = forms.BooleanField(label=_("Left-behind child"), required=False)
    migrant = forms.BooleanField(label=_("Child of migrant workers"), required=False)
    low_income = forms.BooleanField(label=_("Low-income family"), required=False)
    disability = forms.BooleanField(label=_("Disability"), required=False)
    other_priority_note = forms.CharField(label=_("Other need (note)"), max_length=200, required=False)

    def __init__(self, *args, classes=None, masked_number="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_group"].queryset = classes
        # The full number never goes back to the browser (PIPL): only its masked form.
        self.fields["student_number"].widget.attrs["placeholder"] = masked_number
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))


class GuardianAddForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    relationship = forms.CharField(label=_("Relationship"), max_length=20)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Add guardian")))


class PickupRestrictForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Seen by the school only; the family is told to contact the school."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Restrict"), css_class="btn-danger"))


class GuardianshipActionForm(forms.Form):
    RESTRICT, UNRESTRICT, END = "restrict", "unrestrict", "end"
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (
                RESTRICT,
                _("Restrict: may not collect the child or see the child's pages (e.g. a court order)"),
            ),
            (UNRESTRICT, _("Lift the restriction")),
            (END, _("End the guardianship")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Seen by the school only. Needed to restrict or to end."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save"), css_class="btn-danger"))


class SchoolSettingsForm(forms.Form):
    offers_service = forms.BooleanField(
        label=_("We offer the after-school service this term"), required=False
    )
    explanation = forms.CharField(
        label=_("Explanation to parents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when the school does not offer the service: parents see it instead."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))


class PickupAddForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    relationship = forms.CharField(
        label=_("Relationship to the child"), max_length=20, help_text=_("For example 奶奶, 舅舅.")
    )
    mobile = forms.CharField(
        label=_("Mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    id_last4 = forms.CharField(
        label=_("Last 4 characters of their ID number"),
        max_length=4,
        help_text=_("The gate checks them when the person collects the child."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_INPUT)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Leave empty: until you end it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("valid_from", timezone.localdate())
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Add pick-up person"), css_class="w-100"))


# --- roster import (schools/views/roster.py) ------------------------------------------------


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx, .xls or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "roster-upload-form"
        self.helper.add_input(Submit("submit", _("Check the file"), css_class="w-100"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        roster.upload_check(upload)
        return upload


class RosterConfirmForm(forms.Form):
    """Confirm an import; for a re-import, tick the children missing from the file who have left
    the school (none is ticked at first: the others stay enrolled)."""

    left = forms.ModelMultipleChoiceField(
        queryset=Student.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Children of the school missing from the file"),
        help_text=_(
            "They stay enrolled unless you tick them. Tick only the children who have left the school."
        ),
    )

    def __init__(self, *args, missing=None, **kwargs):
        super().__init__(*args, **kwargs)
        if missing is None:
            del self.fields["left"]
        else:
            self.fields["left"].queryset = missing
            self.fields["left"].label_from_instance = lambda s: (
                f"{s.name} · {s.class_group.display_name} · {s.masked_student_number}"
            )
        self.helper = FormHelper()
        self.helper.form_id = "roster-confirm-form"
        self.helper.add_input(Submit("confirm", _("Import these students"), css_class="w-100"))


class RosterColumnsForm(forms.Form):
    """One choice per ambiguous field of a roster file: which column feeds it (or none, for a field
    the import does not need)."""

    NONE = "-1"

    def __init__(self, *args, plan: "roster.ColumnPlan", **kwargs):
        super().__init__(*args, **kwargs)
        for name, header, required, columns in plan.choices():
            choices = [("", "---------")] + [(str(i), label) for i, label in columns]
            if not required:
                choices.append((self.NONE, _("not in this file")))
            self.fields[name] = forms.ChoiceField(label=header, choices=choices)

    def clean(self):
        cleaned = super().clean()
        chosen = [value for value in cleaned.values() if value and value != self.NONE]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("One column cannot feed two fields."), code="twice")
        return cleaned

    def columns(self) -> dict[str, int]:
        return {name: int(value) for name, value in self.cleaned_data.items()}


# --- second factor --------------------------------------------------------------------------------


class OTPCodeForm(forms.Form):
    """The six digits an authenticator app shows."""

    token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits your app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label or _("Verify"), css_class="w-100"))

    def clean_token(self):
        return self.cleaned_data["token"].strip()


# --- account activation (schools/activation.py) ---------------------------------------------


class ActivationForm(forms.Form):
    """Mobile number (or username) and the one-time code from the slip or SMS, then one's own password."""

    username = forms.CharField(
        label=_("Mobile number or username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=20,
        help_text=_("The 8 characters on the slip from the school, e.g. ABCD-EFGH."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "activation-form"
        self.helper.add_input(Submit("submit", _("Activate and sign in"), css_class="w-100"))

    def clean(self):
        data = super().clean()
        one, two = data.get("new_password1"), data.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class SlipClassForm(forms.Form):
    class_group = forms.ModelChoiceField(queryset=None, label=_("Class"), to_field_name="code")

    def __init__(self, *args, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_group"].queryset = classes


# --- F17: the bureau's schools and accounts ---------------------------------------------------


class RegionSchoolForm(forms.Form):
    identifier = forms.RegexField(
        label=_("School identifier"),
        regex=r"^\d{10}$",
        max_length=10,
        help_text=_("The Ministry's school identifier: 10 digits."),
        error_messages={"invalid": _("The school identifier has 10 digits.")},
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    stage = forms.ChoiceField(label=_("Stage"), choices=School.Stage.choices)
    region = forms.ModelChoiceField(queryset=None, label=_("County"), to_field_name="code")

    def __init__(self, *args, counties, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = counties
        if editing:
            del self.fields["identifier"]
        self.helper = FormHelper()
        self.helper.form_id = "region-school-form"
        self.helper.add_input(Submit("submit", _("Save")))


class RegionAccountForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.SCHOOL_ADMIN, Role.SCHOOL_ADMIN.label),
            (Role.BUREAU_OFFICER, Role.BUREAU_OFFICER.label),
        ],
    )
    school = forms.ModelChoiceField(
        queryset=None, label=_("School (for a school admin)"), required=False, to_field_name="code"
    )
    region = forms.ModelChoiceField(
        queryset=None, label=_("Region (for a bureau officer)"), required=False, to_field_name="code"
    )
    name = forms.CharField(label=_("Full name"), max_length=150)
    username = forms.CharField(label=_("Username"), max_length=150)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20, required=False)

    def __init__(self, *args, schools, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["region"].queryset = regions
        self.helper = FormHelper()
        self.helper.form_id = "region-account-form"
        self.helper.add_input(Submit("submit", _("Create account")))


class ProfileForm(forms.Form):
    """One's own e-mail address, language and the channels messages come by (in-app always)."""

    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    channels = forms.MultipleChoiceField(
        label=_("Also send my messages by"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Messages always appear in your inbox here. Urgent safety alerts also come by text message, "
            "whatever you choose."
        ),
    )

    def __init__(self, *args, channel_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = channel_choices
        self.helper = FormHelper()
        self.helper.form_id = "profile-form"
        self.helper.add_input(Submit("submit", _("Save"), css_class="w-100"))
