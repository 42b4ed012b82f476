"""Input shapes for terms, venues, activities, checklists and groups. The rules live in services."""

import datetime
import re

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activities import selectors
from activities.models import Category, VenueKind

WEEKDAYS = [
    (1, pgettext_lazy("short weekday", "Mon")),
    (2, pgettext_lazy("short weekday", "Tue")),
    (3, pgettext_lazy("short weekday", "Wed")),
    (4, pgettext_lazy("short weekday", "Thu")),
    (5, pgettext_lazy("short weekday", "Fri")),
    (6, pgettext_lazy("short weekday", "Sat")),
    (7, pgettext_lazy("short weekday", "Sun")),
]
WEEKDAY_NAMES = dict(WEEKDAYS)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def staff_label(user) -> str:
    """刘老师（s1_head31）: two teachers may share a surname and title, never a username."""
    return f"{user.display_name}（{user.username}）"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return staff_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return staff_label(obj)


def _helper(submit_label, *layout, form_tag=True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.disable_csrf = not form_tag  # the page's own <form> carries the token
    if layout:
        helper.layout = Layout(*layout)
    if submit_label:
        helper.add_input(Submit("submit", submit_label))
    return helper


# --- terms ----------------------------------------------------------------------------------


class TermCopyForm(forms.Form):
    """A term's name and dates: all a new term copied from an earlier one asks (F15)."""

    name = forms.CharField(label=_("Term name"), max_length=60, help_text=_("e.g. 2026年秋季学期"))
    start = forms.DateField(label=_("First day"), widget=DateInput())
    end = forms.DateField(label=_("Last day"), widget=DateInput())
    submit_label = _("Create the new term")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(self.submit_label, *self.layout())

    def layout(self) -> list:
        return ["name", Row(Column("start", css_class="col-6"), Column("end", css_class="col-6"))]


class TermForm(TermCopyForm):
    submit_label = _("Save term")
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Service weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[1, 2, 3, 4, 5],
    )
    day_start = forms.TimeField(label=_("Service starts"), widget=TimeInput())
    day_end = forms.TimeField(label=_("Service ends"), widget=TimeInput())

    def layout(self) -> list:
        return [
            *super().layout(),
            InlineCheckboxes("weekdays"),
            Row(Column("day_start", css_class="col-6"), Column("day_end", css_class="col-6")),
        ]

    @staticmethod
    def initial_from(term) -> dict:
        return {
            "name": term.name,
            "start": term.start,
            "end": term.end,
            "weekdays": sorted(term.weekday_set),
            "day_start": term.day_start,
            "day_end": term.day_end,
        }

    @property
    def weekdays_string(self) -> str:
        return "".join(str(d) for d in sorted(self.cleaned_data["weekdays"]))


class ClosureForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=100, help_text=_("e.g. 运动会, 期末考试"))

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, prefix="closure", **kwargs)
        self.helper = _helper(_("Close the service that day"), "date", "reason")
        self.helper.form_action = action
        self.helper.form_id = "closure-form"


class MakeupDaysForm(forms.Form):
    """One select per official make-up working day: whose weekday timetable runs that day."""

    def __init__(self, *args, makeup_days, action: str = "", **kwargs):
        super().__init__(*args, prefix="makeup", **kwargs)
        self.makeup_days = list(makeup_days)
        for makeup in self.makeup_days:
            self.fields[self.field_name(makeup)] = forms.TypedChoiceField(
                label=_("%(date)s (%(weekday)s) runs the timetable of")
                % {"date": makeup.date.isoformat(), "weekday": WEEKDAY_NAMES[makeup.date.isoweekday()]},
                choices=WEEKDAYS[:5],
                coerce=int,
                initial=makeup.runs_as,
            )
        self.helper = _helper(_("Save make-up days"))
        self.helper.form_action = action
        self.helper.form_id = "makeup-form"

    @staticmethod
    def field_name(makeup) -> str:
        return f"day_{makeup.date:%Y%m%d}"

    def changed_days(self):
        """(make-up day, chosen weekday) for each day whose choice differs from what is stored."""
        return [
            (m, self.cleaned_data[self.field_name(m)])
            for m in self.makeup_days
            if self.cleaned_data[self.field_name(m)] != m.runs_as
        ]


# --- venues ---------------------------------------------------------------------------------


class VenueForm(forms.Form):
    name = forms.CharField(label=_("Venue name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=VenueKind.choices)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10_000)
    safety_officer = StaffChoiceField(label=_("Safety officer"), queryset=None)
    address = forms.CharField(
        label=_("Address"), max_length=200, required=False, help_text=_("Needed for off-campus sites.")
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["safety_officer"].queryset = selectors.staff_for_school(school)
        self.helper = _helper(
            _("Save venue"),
            "name",
            Row(Column("kind", css_class="col-sm-8"), Column("capacity", css_class="col-sm-4")),
            "safety_officer",
            "address",
        )

    @staticmethod
    def initial_from(venue) -> dict:
        return {
            "name": venue.name,
            "kind": venue.kind,
            "capacity": venue.capacity,
            "safety_officer": venue.safety_officer_id,
            "address": venue.address,
        }


# --- activities -----------------------------------------------------------------------------


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Activity title"), max_length=100)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=Category.choices,
        help_text=_("The categories are fixed by the Ministry's guidance; schools cannot add to them."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=None,
        required=False,
        empty_label=_("The school's own staff"),
        help_text=_("Only providers on the region's register whose qualification is still valid."),
    )
    off_campus = forms.BooleanField(
        label=_("Takes place off campus"),
        required=False,
        help_text=_("An off-campus activity cannot run until its safety checklist is complete."),
    )
    film_title = forms.CharField(label=_("Film title"), max_length=100, required=False)
    film_age_rating = forms.CharField(
        label=_("Suitable for ages"), max_length=40, required=False, help_text=_("For films, e.g. 6岁以上")
    )
    explanation = forms.CharField(
        label=_("Explanation for the education bureau"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed when the text contains words that may hide lessons (such as 同步辅导 or 预习): "
            "the activity is then held for the bureau's review."
        ),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = selectors.providers_for_school(school)
        self.helper = _helper(
            _("Save activity"),
            "title",
            "category",
            "description",
            "provider",
            "off_campus",
            Row(Column("film_title", css_class="col-sm-8"), Column("film_age_rating", css_class="col-sm-4")),
            "explanation",
        )

    @staticmethod
    def initial_from(activity) -> dict:
        return {
            "title": activity.title,
            "category": activity.category,
            "description": activity.description,
            "provider": activity.provider_id,
            "off_campus": activity.off_campus,
            "film_title": activity.film_title,
            "film_age_rating": activity.film_age_rating,
        }


class ChecklistForm(forms.Form):
    traffic = forms.BooleanField(label=_("Traffic safety checked"), required=False)
    venue = forms.BooleanField(label=_("Venue safety checked"), required=False)
    fire = forms.BooleanField(label=_("Fire safety checked"), required=False)
    food = forms.BooleanField(label=_("Food hygiene checked"), required=False)
    security = forms.BooleanField(label=_("Security checked"), required=False)
    notes = forms.CharField(
        label=_("Notes on the checks"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record the checklist and notify the bureau"))


class VenueSessionsForm(forms.Form):
    """F12: what happens to the future sessions of a venue that may not host them: cancel or move."""

    action = forms.ChoiceField(
        label=_("What happens to these sessions"),
        choices=[("move", _("Move them to another venue")), ("cancel", _("Cancel them"))],
        widget=forms.RadioSelect,
    )
    to_venue = forms.ModelChoiceField(label=_("Move to"), queryset=None, required=False)
    reason = forms.CharField(
        label=_("Reason told to the families"),
        max_length=100,
        required=False,
        help_text=_("e.g. 场馆安全整改"),
    )

    def __init__(self, *args, venue, user, **kwargs):
        super().__init__(*args, prefix="relocate", **kwargs)
        self.fields["to_venue"].queryset = (
            selectors.venues_for(user)
            .filter(school_id=venue.school_id, active=True)
            .exclude(pk=venue.pk)
            .order_by("name")
        )
        self.helper = _helper(_("Apply and notify teachers and families"))
        self.helper.form_id = "relocate-form"

    def clean(self):
        data = super().clean()
        if data.get("action") == "move" and not data.get("to_venue"):
            self.add_error("to_venue", _("Choose the venue the sessions move to."))
        return data


# --- groups ---------------------------------------------------------------------------------


class GroupForm(forms.Form):
    term = forms.ModelChoiceField(label=_("Term"), queryset=None)
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=None)
    name = forms.CharField(label=_("Group name"), max_length=60, help_text=_("e.g. 篮球一组"))
    lead = StaffChoiceField(label=_("Lead teacher"), queryset=None)
    assistants = StaffMultipleChoiceField(
        label=_("Assistants"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=None)
    grades = forms.TypedMultipleChoiceField(
        label=_("Open to grades"), choices=[], coerce=int, widget=forms.CheckboxSelectMultiple
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10_000)

    def __init__(self, *args, school, user, editing: bool = False, **kwargs):
        """Term, activity and venue come from the user's scope (the schools they run), within the
        school; the staff from the school's memberships."""
        super().__init__(*args, **kwargs)
        staff = selectors.staff_for_school(school)
        self.fields["grades"].choices = [(g, _("Grade %(grade)s") % {"grade": g}) for g in range(1, 10)]
        self.fields["lead"].queryset = staff
        self.fields["assistants"].queryset = staff
        self.fields["venue"].queryset = (
            selectors.venues_for(user).filter(school=school, active=True).order_by("name")
        )
        if editing:  # a group stays in its term and activity; make a new group to move it
            del self.fields["term"], self.fields["activity"]
        else:
            self.fields["term"].queryset = selectors.terms_for(user).filter(school=school).order_by("-start")
            self.fields["activity"].queryset = (
                selectors.activities_for(user).filter(school=school, active=True).order_by("title")
            )
        fields = [] if editing else ["term", "activity"]
        self.helper = _helper(
            None,
            *fields,
            "name",
            "lead",
            InlineCheckboxes("assistants"),
            Row(Column("venue", css_class="col-sm-8"), Column("capacity", css_class="col-sm-4")),
            InlineCheckboxes("grades"),
            form_tag=False,
        )

    def clean(self):
        data = super().clean()
        lead, assistants = data.get("lead"), data.get("assistants")
        if lead is not None and assistants and lead in assistants:
            self.add_error("assistants", _("The lead teacher cannot also be an assistant."))
        return data

    @staticmethod
    def initial_from(group) -> dict:
        return {
            "name": group.name,
            "lead": group.lead_id,
            "assistants": [a.pk for a in group.assistants.all()],
            "venue": group.venue_id,
            "grades": group.grade_list,
            "capacity": group.capacity,
        }

    @property
    def grades_string(self) -> str:
        return "".join(str(g) for g in sorted(self.cleaned_data["grades"]))


class SlotForm(forms.Form):
    """One weekly time slot; a row left empty is ignored."""

    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=[("", "—"), *WEEKDAYS], coerce=int, empty_value=None, required=False
    )
    start = forms.TimeField(label=_("Starts"), required=False, widget=TimeInput())
    end = forms.TimeField(label=_("Ends"), required=False, widget=TimeInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        number = int(self.prefix.rsplit("-", 1)[-1]) + 1 if self.prefix and self.prefix[-1].isdigit() else 0
        for name, text in (
            ("weekday", _("Weekday of slot %(n)s")),
            ("start", _("Start of slot %(n)s")),
            ("end", _("End of slot %(n)s")),
        ):
            self.fields[name].widget.attrs["aria-label"] = text % {"n": number}

    def clean(self):
        data = super().clean()
        weekday, start, end = data.get("weekday"), data.get("start"), data.get("end")
        if weekday is None and start is None and end is None:
            return data
        if weekday is None or start is None or end is None:
            raise forms.ValidationError(_("Give the weekday, start and end of each time slot."))
        if end <= start:
            raise forms.ValidationError(_("A time slot must end after it starts."))
        return data


class SlotFormSetBase(forms.BaseFormSet):
    def slots(self) -> list[tuple]:
        return [
            (f.cleaned_data["weekday"], f.cleaned_data["start"], f.cleaned_data["end"])
            for f in self.forms
            if f.cleaned_data.get("weekday") is not None
        ]


MAX_SLOTS = 5
SlotFormSet = forms.formset_factory(
    SlotForm, formset=SlotFormSetBase, extra=MAX_SLOTS, max_num=MAX_SLOTS, validate_max=True
)


def slot_formset(data=None, *, group=None) -> SlotFormSetBase:
    initial = (
        [{"weekday": s.weekday, "start": s.start, "end": s.end} for s in group.slots.all()] if group else None
    )
    formset = SlotFormSet(data, prefix="slots", initial=initial)
    # One row per slot; the column headings stand in for labels (each input has an aria-label).
    formset.helper = _helper(
        None,
        Row(
            Column("weekday", css_class="col-4"),
            Column("start", css_class="col-4"),
            Column("end", css_class="col-4"),
            css_class="g-2",
        ),
        form_tag=False,
    )
    formset.helper.form_show_labels = False
    return formset


# --- the State Council's yearly schedule ----------------------------------------------------------

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_LINE = re.compile(rf"^(?P<first>{_DATE})(?:\s*(?:至|到|~|～|—|–|to)\s*(?P<last>{_DATE}))?(?P<rest>.*)$")
_WORK_WORDS = ("调休上班", "补班", "上班", "工作日", "workday", "make-up")
_WEEKDAY = re.compile(
    r"(?:周|星期|礼拜)([一二三四五六日天])|\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*", re.IGNORECASE
)
_CN_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_EN_WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
CN_WEEKDAY_LABELS = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
MAX_RANGE_DAYS = 31


def _date(groups) -> datetime.date | None:
    try:
        return datetime.date(*(int(g) for g in groups))
    except ValueError:
        return None


class OfficialYearForm(forms.Form):
    """A year's schedule as an officer copies it from the notice: one line per holiday (or range) and
    one per make-up working day with the weekday whose timetable it follows."""

    notice_title = forms.CharField(
        label=_("Title of the State Council's notice"),
        max_length=200,
        help_text=_("e.g. 国务院办公厅关于2027年部分节假日安排的通知"),
    )
    notice_number = forms.CharField(
        label=_("Document number"), max_length=60, required=False, help_text=_("e.g. 国办发明电〔2026〕7号")
    )
    days = forms.CharField(
        label=_("Holidays and make-up working days"),
        widget=forms.Textarea(attrs={"rows": 16, "class": "font-monospace"}),
        help_text=_(
            "One line each, as in the notice: “2027-05-01 至 2027-05-05 劳动节” for holidays, "
            "“2027-04-25 补班 周一 劳动节” for a make-up working day and the weekday whose timetable "
            "it follows."
        ),
    )

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.entries = []
        self.helper = _helper(
            _("Save the schedule and regenerate sessions"), "notice_title", "notice_number", "days"
        )
        self.helper.form_id = "official-year-form"

    def clean_days(self):
        entries, lines, errors = [], [], []

        def refuse(number, message):
            errors.append((number, _("Line %(line)s: %(error)s") % {"line": number, "error": message}))

        for number, raw in enumerate(self.cleaned_data["days"].splitlines(), start=1):
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            parsed = _day_line_parse(text)
            if isinstance(parsed, str):
                refuse(number, parsed)
                continue
            entries.extend(parsed)
            lines.extend([number] * len(parsed))
        for number, message in _day_lines_check(self.year, entries, lines):
            refuse(number, message)
        if not entries and not errors:
            message = _("Enter the year's holidays and make-up working days.")
            raise forms.ValidationError(message, code="empty")
        if errors:
            errors.sort(key=lambda e: e[0])
            raise forms.ValidationError([forms.ValidationError(m, code="line") for _n, m in errors])
        self.entries = entries
        return self.cleaned_data["days"]


def _day_line_parse(text: str) -> list | str:
    """One line of the schedule: its days (DayEntry, one per date of a holiday range, one for a
    make-up working day), or the message saying what is wrong with it."""
    match = _LINE.match(text)
    first = match and _date(match.groups()[1:4])
    if not first:
        message = _("“%(text)s” does not start with a date (write 2027-05-01).")
        return message % {"text": text}
    last = first
    if match["last"]:
        last = _date(match.groups()[5:8])
        if not last:
            message = _("“%(text)s” is not a date (write 2027-05-01).")
            return message % {"text": match["last"]}
    rest = match["rest"].strip()
    work = next((w for w in _WORK_WORDS if w in rest.lower()), None)
    if work:
        return _workday_parse(first, last, re.sub(re.escape(work), " ", rest, count=1, flags=re.IGNORECASE))
    return _holiday_parse(first, last, rest)


def _workday_parse(first: datetime.date, last: datetime.date, rest: str) -> list | str:
    """A make-up working day: one date, the weekday whose timetable it follows, and a name."""
    from activities.models import OfficialDay
    from activities.services import DayEntry

    found = _WEEKDAY.search(rest)
    runs_as = None
    if found:
        runs_as = _CN_WEEKDAYS[found[1]] if found[1] else _EN_WEEKDAYS[found[2][:3].lower()]
        rest = rest[: found.start()] + rest[found.end() :]
    if last != first:
        return _("A make-up working day is a single date, not a range.")
    name = re.sub(r"^[\s,，、:：按（(]+|[\s,，、)）课表]+$", "", rest)
    return [DayEntry(first, OfficialDay.Kind.WORKDAY, name, runs_as)]


def _holiday_parse(first: datetime.date, last: datetime.date, rest: str) -> list | str:
    """A holiday or a range of holidays of one name, at most MAX_RANGE_DAYS long."""
    from activities.models import OfficialDay
    from activities.services import DayEntry

    if last < first:
        return _("The range ends before it starts.")
    if (last - first).days >= MAX_RANGE_DAYS:
        return _("A holiday lasts at most %(n)s days.") % {"n": MAX_RANGE_DAYS}
    name = rest.strip(" ,，、:：")
    return [
        DayEntry(first + datetime.timedelta(days=i), OfficialDay.Kind.HOLIDAY, name)
        for i in range((last - first).days + 1)
    ]


def _day_lines_check(year: int, entries: list, lines: list[int]) -> list[tuple[int, str]]:
    """The service's checks of the whole schedule, as (line number, message); each problem of a
    line once (a range outside the year, say), a date given twice naming its first line."""
    from activities.services import official_days_check

    reported, problems = set(), []
    for index, problem in official_days_check(year=year, days=entries):
        if (lines[index], problem.code) in reported:
            continue
        reported.add((lines[index], problem.code))
        message = " ".join(problem.messages)
        if problem.code == "duplicate":
            day = entries[index].date
            first = next(i for i, e in enumerate(entries) if e.date == day)
            message = _("%(date)s is listed twice (first on line %(first)s).") % {
                "date": day.isoformat(),
                "first": lines[first],
            }
        problems.append((lines[index], message))
    return problems


def official_days_text(days) -> str:
    """Lines for the form from days (date, kind, name, runs_as): consecutive holidays of one name
    become a range."""
    lines, run = [], []

    def flush():
        if run:
            first, last, name = run[0].date, run[-1].date, run[0].name
            span = first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
            lines.append(f"{span} {name}".strip())
            run.clear()

    for day in sorted(days, key=lambda d: d.date):
        if day.kind == "workday":
            flush()
            weekday = CN_WEEKDAY_LABELS[day.runs_as or 1]
            lines.append(f"{day.date.isoformat()} 补班 {weekday} {day.name}".strip())
        elif run and day.date - run[-1].date == datetime.timedelta(days=1) and day.name == run[-1].name:
            run.append(day)
        else:
            flush()
            run.append(day)
    flush()
    return "\n".join(lines)


# --- F17: the region's rules and the bureau's content review ------------------------------------


WEEKDAY_CHOICES = [(str(n), label) for n, label in WEEKDAYS]


class RegionPolicyForm(forms.Form):
    """A region's own values; an empty field inherits from the regions above."""

    earliest_end = forms.TimeField(
        label=_("Earliest end of the service day"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    latest_end = forms.TimeField(
        label=_("Latest end of the service day"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Service weekdays"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tutoring_max_group = forms.IntegerField(
        label=_("Largest free-tutoring group"), required=False, min_value=1, max_value=50
    )
    retention_months = forms.IntegerField(
        label=_("Retention period (months)"), required=False, min_value=1, max_value=120
    )
    extra_terms = forms.CharField(
        label=_("Further words that mark extra lessons (refused)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    watch_terms = forms.CharField(
        label=_("Watch list: words that send an activity to the bureau's review"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save the region's rules"))

    @staticmethod
    def initial_from(policy, retention_months) -> dict:
        if policy is None:
            return {"retention_months": retention_months}
        return {
            "earliest_end": policy.earliest_end,
            "latest_end": policy.latest_end,
            "weekdays": list(policy.weekdays),
            "tutoring_max_group": policy.tutoring_max_group,
            "retention_months": retention_months,
            "extra_terms": policy.extra_terms,
            "watch_terms": policy.watch_terms,
        }


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the school"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record the decision"))


# --- the register of qualified providers (F17: bureau officers) ------------------------------


class ProviderForm(forms.Form):
    region = forms.ModelChoiceField(queryset=None, label=_("Register of"), to_field_name="code")
    name = forms.CharField(label=_("Name"), max_length=100)
    licence = forms.CharField(label=_("Licence number"), max_length=60)
    qualification = forms.CharField(label=_("Qualification"), max_length=200)
    scope = forms.CharField(
        label=_("Scope of service"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_until = forms.DateField(label=_("Qualification valid until"), widget=DateInput())
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)

    def __init__(self, *args, regions, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if editing:
            del self.fields["region"]
        elif regions.count() == 1:
            self.fields["region"].initial = regions.first().code
        self.helper = _helper(_("Save"))
        self.helper.form_id = "provider-form"

    @staticmethod
    def initial_from(provider) -> dict:
        return {
            f: getattr(provider, f)
            for f in ("name", "licence", "qualification", "scope", "valid_until", "contact")
        }
