"""F11: the State Council's yearly schedule as the first calendar source, the province officer's
page, the re-sync of every school's sessions and the unconfirmed-year warnings."""

import datetime

import pytest
from django.urls import reverse

from activities import calendar, selectors, services
from activities.models import OfficialDay, OfficialYear, Session, Term
from enrollment.models import Placement
from notices.models import Notification
from tests.support import builders

pytestmark = pytest.mark.django_db

MON_TO_FRI = [(d, builders.hour(16), builders.hour(17)) for d in range(1, 6)]
HOLIDAY, WORKDAY = OfficialDay.Kind.HOLIDAY, OfficialDay.Kind.WORKDAY


def spring_2027_group(demo, name="2027春"):
    s1, admin = demo.school("s1"), demo.user("s1_admin")
    term = builders.term(
        s1, start=datetime.date(2027, 2, 1), end=datetime.date(2027, 5, 31), actor=admin, name=name
    )
    group = builders.group(
        activity=builders.activity(s1, actor=admin),
        term=term,
        venue=builders.venue(s1, actor=admin),
        lead=builders.staff(s1),
        actor=admin,
        slots=MON_TO_FRI,
    )
    return term, group


def test_it_skips_the_holiday_librarys_2027_festivals_without_an_entered_schedule(demo):
    OfficialYear.objects.filter(year=2027).delete()  # the demo enters 2027; here nobody has
    term, group = spring_2027_group(demo)
    dates = set(group.sessions.values_list("date", flat=True))
    festivals = [
        datetime.date(2027, 2, 8),  # 春节 (Monday)
        datetime.date(2027, 2, 9),
        datetime.date(2027, 2, 10),
        datetime.date(2027, 4, 5),  # 清明节 (Monday)
        datetime.date(2027, 5, 3),  # 劳动节 (observed, Monday and Tuesday)
        datetime.date(2027, 5, 4),
    ]
    assert not dates & set(festivals)
    assert datetime.date(2027, 2, 2) in dates and datetime.date(2027, 5, 6) in dates
    assert calendar.years_without_data(term.start, term.end) == []
    assert calendar.years_unconfirmed(term.start, term.end) == [2027]
    assert calendar.official_workday(datetime.date(2027, 2, 8)) is False


def test_it_follows_the_entered_schedule_over_the_libraries(demo):
    # The demo's 2027 schedule (activities.demo_calendar): 春节 2027-02-05 to 02-11, and Saturday
    # 2027-02-20 works for Wednesday 02-10; the library alone knows neither.
    term, group = spring_2027_group(demo)
    dates = set(group.sessions.values_list("date", flat=True))
    assert datetime.date(2027, 2, 11) not in dates
    assert datetime.date(2027, 2, 20) in dates
    assert term.makeup_days.get(date=datetime.date(2027, 2, 20)).runs_as == 3
    assert calendar.years_unconfirmed(term.start, term.end) == []


def test_a_make_up_day_defaults_to_the_weekday_the_library_swaps_it_with():
    # holidays: 'Day off (substituted from 10/10/2026)' on Wednesday 2026-10-07.
    assert calendar.makeup_defaults(datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)) == {
        datetime.date(2026, 10, 10): 3
    }


# --- acceptance: entering a schedule re-syncs every school and tells those affected ----------

EXTRA_HOLIDAY = datetime.date(2026, 12, 9)  # a Wednesday, in the demo's autumn term
MAKEUP = datetime.date(2026, 12, 12)  # a Saturday that works for it


def _schedule_2026_with_extra_days():
    days = [d for d in selectors.library_days(calendar.library_year(2026))]
    days.append(services.DayEntry(EXTRA_HOLIDAY, HOLIDAY, "演示假日"))
    days.append(services.DayEntry(MAKEUP, WORKDAY, "演示假日", 3))
    return days


def test_entering_a_schedule_regenerates_sessions_flags_held_ones_and_tells_those_affected(demo, client):
    term = Term.objects.get(school=demo.school("s1"), name="2026年秋季学期")
    on_holiday = Session.objects.filter(group__term=term, date=EXTRA_HOLIDAY).select_related("group")
    placed = Placement.objects.filter(
        group__in=[s.group for s in on_holiday],
        status=Placement.Status.PLACED,
        application__days__contains="3",
    ).select_related("application__guardian__user", "group")
    family = placed.first()
    assert family is not None, "the demo places children in a Wednesday group"
    cancelled_group = family.group
    held = on_holiday.exclude(group=cancelled_group).first()
    assert held is not None, "the demo has a second group meeting that Wednesday"
    Session.objects.filter(pk=held.pk).update(has_records=True)  # its roll call was taken
    wednesday = sorted(s.start for s in cancelled_group.sessions.filter(date=EXTRA_HOLIDAY))

    services.official_year_save(
        year=2026,
        notice_title="国务院办公厅关于2026年部分节假日安排的通知",
        days=_schedule_2026_with_extra_days(),
        actor=demo.user("hn_bureau"),
    )

    assert not cancelled_group.sessions.filter(date=EXTRA_HOLIDAY).exists()
    assert sorted(s.start for s in cancelled_group.sessions.filter(date=MAKEUP)) == wednesday
    assert term.makeup_days.get(date=MAKEUP).runs_as == 3
    held.refresh_from_db()
    assert held.off_calendar and held.date == EXTRA_HOLIDAY
    told = Notification.objects.filter(kind="activities/sessions_cancelled")
    guardian_note = told.get(recipient=family.application.guardian.user)
    assert cancelled_group.name in guardian_note.body and "2026-12-09" in guardian_note.body
    assert told.filter(recipient=cancelled_group.lead).exists()
    summary = Notification.objects.get(kind="activities/calendar_changed", recipient=demo.user("s1_admin"))
    assert "2026-12-09" in summary.body and "2026-12-12" in summary.body

    client.force_login(demo.user("s1_admin"))
    page = client.get(reverse("activities:term-edit", kwargs={"term_code": term.code}))
    changes = page.content.decode()
    assert 'id="calendar-changes"' in changes
    assert f"2026-12-09 {cancelled_group.name}" in changes and f"2026-12-09 {held.group.name}" in changes

    # Saving the same schedule again changes nothing and tells nobody twice.
    count = Notification.objects.count()
    services.official_year_save(
        year=2026, notice_title="更正", days=_schedule_2026_with_extra_days(), actor=demo.user("hn_bureau")
    )
    assert Notification.objects.count() == count
    assert OfficialYear.objects.get(year=2026).revision == 2


def test_a_make_up_day_the_school_chose_keeps_its_weekday(demo):
    term = Term.objects.get(school=demo.school("s1"), name="2026年秋季学期")
    makeup = term.makeup_days.get(date=datetime.date(2026, 10, 10))
    services.makeup_day_set(makeup=makeup, runs_as=5, actor=None)
    services.official_year_save(
        year=2026, notice_title="通知", days=_schedule_2026_with_extra_days(), actor=demo.user("hn_bureau")
    )
    makeup.refresh_from_db()
    assert makeup.runs_as == 5


def test_the_service_refuses_a_make_up_day_on_a_weekday(demo):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.official_year_save(
            year=2028,
            notice_title="通知",
            days=[services.DayEntry(datetime.date(2028, 5, 3), WORKDAY, "", 1)],
            actor=None,
        )
    assert exc.value.code == "not_weekend"
    assert not OfficialYear.objects.filter(year=2028).exists()


# --- the page ------------------------------------------------------------------------------

LINES_2028 = "2028-01-01 元旦\n2028-05-01 至 2028-05-05 劳动节\n2028-04-29 补班 周四 劳动节\n"


@pytest.mark.parametrize("username", ["hn_bureau", "admin"])
def test_a_province_officer_or_superuser_opens_and_saves_a_year(demo, client, username):
    client.force_login(demo.user(username))
    assert client.get(reverse("activities:calendar-years")).status_code == 200
    url = reverse("activities:calendar-year", kwargs={"year": 2028})
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"notice_title": "国务院办公厅关于2028年部分节假日安排的通知", "days": LINES_2028}
    )
    assert response.status_code == 302
    schedule = OfficialYear.objects.get(year=2028)
    assert schedule.days.filter(kind=HOLIDAY).count() == 6
    assert schedule.days.get(date=datetime.date(2028, 4, 29)).runs_as == 4
    assert calendar.official_workday(datetime.date(2028, 5, 3)) is False
    assert calendar.official_workday(datetime.date(2028, 4, 29)) is True


@pytest.mark.parametrize(
    "username", ["zz_bureau", "zy_bureau", "s1_admin", "s1_staff", "s1_head31", "s1_parent"]
)
def test_everyone_else_gets_404(demo, client, username):
    client.force_login(demo.user(username))
    assert client.get(reverse("activities:calendar-years")).status_code == 404
    url = reverse("activities:calendar-year", kwargs={"year": 2028})
    assert client.get(url).status_code == 404
    assert client.post(url, {"notice_title": "x", "days": LINES_2028}).status_code == 404
    assert not OfficialYear.objects.filter(year=2028).exists()


def test_a_rejected_form_keeps_what_was_typed_and_names_the_line_in_chinese(demo, client):
    client.force_login(demo.user("hn_bureau"))
    typed = (
        "2028-01-01 元旦\n2028-02-30 春节\n2028-05-03 补班 周一\n2028-05-06 补班\n"
        "2027-10-01 国庆节\n2028-01-01 元旦"
    )
    response = client.post(
        reverse("activities:calendar-year", kwargs={"year": 2028}),
        {"notice_title": "通知", "days": typed},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "2028-05-06 补班" in html and "2028-02-30 春节" in html  # the textarea keeps the text
    errors = response.context["form"].errors["days"]
    assert len(errors) == 5
    assert errors[0].startswith("第2行")
    assert any("第3行" in e and "周六或周日" in e for e in errors)
    assert any("第4行" in e and "周一至周五" in e for e in errors)
    assert any("第5行" in e and "不在2028年" in e for e in errors)
    assert any("第6行" in e and "第1行" in e for e in errors)
    assert not OfficialYear.objects.filter(year=2028).exists()


def test_the_province_officer_sees_the_link_in_the_navbar(demo, client):
    client.force_login(demo.user("hn_bureau"))
    assert 'id="nav-official-calendar"' in client.get(reverse("home")).content.decode()
    client.force_login(demo.user("zz_bureau"))
    assert 'id="nav-official-calendar"' not in client.get(reverse("home")).content.decode()


# --- unconfirmed years ---------------------------------------------------------------------


def test_the_term_page_warns_about_a_year_without_a_confirmed_schedule(demo, client):
    s1, admin = demo.school("s1"), demo.user("s1_admin")
    term = builders.term(s1, start=datetime.date(2027, 9, 1), end=datetime.date(2028, 1, 21), actor=admin)
    client.force_login(admin)
    page = client.get(reverse("activities:term-edit", kwargs={"term_code": term.code}))
    warning = page.context["missing_years"]
    assert "2028" in warning and "2027" not in warning  # the demo confirmed 2027
    assert "No confirmed State Council schedule for 2028" in warning or "2028年" in warning


def test_the_bureau_pages_count_schools_with_terms_in_an_unconfirmed_year(demo, client):
    admin = demo.user("s1_admin")
    spring = {"start": datetime.date(2028, 2, 21), "end": datetime.date(2028, 6, 30)}
    builders.term(demo.school("s1"), actor=admin, **spring)
    builders.term(demo.school("s2"), actor=demo.user("s2_admin"), **spring)
    client.force_login(demo.user("hn_bureau"))
    page = client.get(reverse("activities:calendar-years"))
    row = next(r for r in page.context["unconfirmed"] if r.year == 2028)
    assert row.schools == 2
    assert 'id="calendar-unconfirmed"' in page.content.decode()

    client.force_login(demo.user("zy_bureau"))  # 中原区: s1 only
    dashboard = client.get(reverse("oversight:dashboard"))
    assert (2028, 1) in [(r.year, r.schools) for r in dashboard.context["calendar_unconfirmed"]]
    assert 'id="oversight-calendar-unconfirmed"' in dashboard.content.decode()

    services.official_year_save(
        year=2028,
        notice_title="通知",
        days=[services.DayEntry(datetime.date(2028, 1, 3), HOLIDAY, "元旦")],
        actor=demo.user("hn_bureau"),
    )
    dashboard = client.get(reverse("oversight:dashboard"))
    assert 2028 not in [r.year for r in dashboard.context["calendar_unconfirmed"]]


def test_a_held_session_on_a_new_closure_is_flagged(demo):
    term, group = spring_2027_group(demo)
    session = group.sessions.order_by("date").first()
    Session.objects.filter(pk=session.pk).update(has_records=True)
    services.closure_add(term=term, date=session.date, reason="运动会", actor=None)
    session.refresh_from_db()
    assert session.off_calendar
