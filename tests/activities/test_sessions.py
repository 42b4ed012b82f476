import datetime

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError

from activities import services
from activities.models import Category, RegionPolicy, Session

pytestmark = pytest.mark.django_db

pytestmark = pytest.mark.usefixtures("built_while_running")
ALL_WEEK = [(d, datetime.time(16, 0), datetime.time(17, 0)) for d in range(1, 6)]
MON_WED = [(1, datetime.time(16, 0), datetime.time(17, 0)), (3, datetime.time(16, 0), datetime.time(17, 0))]


def make_group(
    demo, term, activity, venue, slots=ALL_WEEK, lead="t_teacher1", name="一组", capacity=30, **kw
):
    """A group led by a fresh service teacher (demo staff already lead demo groups)."""
    from schools.models import Membership, Role, User

    user = User.objects.filter(username=lead).first()
    if user is None:
        user = User.objects.create(username=lead, last_name=lead)
        Membership.objects.create(user=user, role=Role.SERVICE_TEACHER, school=activity.school)
    return services.group_save(
        activity=activity,
        term=term,
        name=name,
        lead=user,
        venue=venue,
        grades="345",
        capacity=capacity,
        slots=slots,
        actor=demo.user("s1_admin"),
        **kw,
    )


def test_it_skips_official_holidays_and_runs_official_make_up_days(
    demo, term, venue_factory, activity_factory
):
    group = make_group(demo, term, activity_factory(), venue_factory())
    dates = set(group.sessions.values_list("date", flat=True))
    october = [datetime.date(2026, 10, d) for d in range(1, 9)]
    holidays = [d for d in october if chinese_calendar.is_holiday(d)]
    assert holidays, "the library lists the National Day holiday"
    assert not dates & set(holidays)
    assert datetime.date(2026, 10, 8) in dates  # the working Thursday after the holiday
    makeups = chinese_calendar.get_workdays(term.start, term.end, include_weekends=True)
    makeups = [d for d in makeups if d.isoweekday() > 5]
    assert makeups, "the library lists make-up working days in this term"
    assert set(makeups) <= dates


def test_it_runs_a_make_up_day_on_the_weekday_timetable_the_school_chooses(
    demo, term, venue_factory, activity_factory
):
    group = make_group(demo, term, activity_factory(), venue_factory(), slots=MON_WED)
    makeup = term.makeup_days.get(date=datetime.date(2026, 10, 10))
    assert not group.sessions.filter(date=makeup.date).exists() or makeup.runs_as in (1, 3)
    services.makeup_day_set(makeup=makeup, runs_as=2, actor=None)  # Tuesday: no slot
    assert not group.sessions.filter(date=makeup.date).exists()
    services.makeup_day_set(makeup=makeup, runs_as=3, actor=None)  # Wednesday: the slot runs
    assert group.sessions.filter(date=makeup.date).exists()


def test_it_skips_the_schools_own_closures(demo, term, venue_factory, activity_factory):
    group = make_group(demo, term, activity_factory(), venue_factory())
    day = datetime.date(2026, 9, 16)
    assert group.sessions.filter(date=day).exists()
    services.closure_add(term=term, date=day, reason="运动会", actor=None)
    assert not group.sessions.filter(date=day).exists()
    services.sessions_generate(group=group)
    assert not group.sessions.filter(date=day).exists()


def test_it_keeps_sessions_with_records_when_regenerating(demo, term, venue_factory, activity_factory):
    group = make_group(demo, term, activity_factory(), venue_factory())
    held = group.sessions.order_by("date").first()
    Session.objects.filter(pk=held.pk).update(has_records=True)
    make_group(demo, term, group.activity, group.venue, slots=MON_WED, group=group)
    assert Session.objects.filter(pk=held.pk).exists()
    makeups = term.makeup_days.values_list("date", flat=True)  # run Monday's timetable by default
    regenerated = group.sessions.filter(has_records=False).exclude(date__in=makeups)
    assert {s.date.isoweekday() for s in regenerated} == {1, 3}


def test_it_warns_when_the_library_has_no_data_for_a_year(demo, s1, venue_factory, activity_factory):
    from activities import calendar

    term = services.term_save(
        school=s1,
        name="未来学期",
        # The holidays package computes the festivals up to 2100: beyond it no source has data.
        start=datetime.date(2101, 3, 7),
        end=datetime.date(2101, 3, 18),
        weekdays="12345",
        day_start=datetime.time(16),
        day_end=datetime.time(18),
        actor=None,
    )
    assert calendar.years_without_data(term.start, term.end) == [2101]
    group = make_group(demo, term, activity_factory(), venue_factory())
    assert group.sessions.count() == 10  # plain Monday to Friday without holiday data


def test_it_refuses_double_booking_a_venue(demo, term, venue_factory, activity_factory):
    venue = venue_factory()
    make_group(demo, term, activity_factory(), venue, slots=MON_WED)
    with pytest.raises(ValidationError) as exc:
        make_group(
            demo, term, activity_factory(title="合唱"), venue, slots=MON_WED, lead="t_teacher2", name="二组"
        )
    assert exc.value.code == "conflict" and venue.name in exc.value.messages[0]


def test_it_refuses_double_booking_a_teacher(demo, term, venue_factory, activity_factory):
    make_group(demo, term, activity_factory(), venue_factory(), slots=MON_WED)
    with pytest.raises(ValidationError) as exc:
        make_group(
            demo,
            term,
            activity_factory(title="合唱"),
            venue_factory(name="舞蹈室"),
            slots=MON_WED,
            name="二组",
        )
    assert exc.value.code == "conflict"
    assert "一组" in exc.value.messages[0]


def test_it_allows_the_same_venue_at_another_time(demo, term, venue_factory, activity_factory):
    venue = venue_factory()
    make_group(demo, term, activity_factory(), venue, slots=MON_WED)
    later = [(1, datetime.time(17, 0), datetime.time(18, 0))]
    assert make_group(
        demo, term, activity_factory(title="合唱"), venue, slots=later, name="二组", lead="t_teacher2"
    )


def test_it_refuses_a_group_larger_than_its_venue(demo, term, venue_factory, activity_factory):
    with pytest.raises(ValidationError) as exc:
        make_group(demo, term, activity_factory(), venue_factory(capacity=20), capacity=25)
    assert exc.value.code == "capacity"


def test_it_keeps_tutoring_to_the_regions_small_groups(demo, term, venue_factory, activity_factory):
    RegionPolicy.objects.update_or_create(region=term.school.region, defaults={"tutoring_max_group": 4})
    tutoring = activity_factory(title="阅读困难小组辅导", category=Category.TUTORING)
    with pytest.raises(ValidationError) as exc:
        make_group(demo, term, tutoring, venue_factory(), capacity=8)
    assert exc.value.code == "tutoring"
    assert make_group(demo, term, tutoring, venue_factory(name="小教室"), capacity=4)


def test_it_refuses_slots_outside_the_service_window(demo, term, venue_factory, activity_factory):
    with pytest.raises(ValidationError) as exc:
        make_group(
            demo, term, activity_factory(), venue_factory(), slots=[(1, datetime.time(17), datetime.time(19))]
        )
    assert exc.value.code == "slot"


def test_it_refuses_a_window_ending_before_the_regions_earliest_end(demo, s1):
    RegionPolicy.objects.update_or_create(
        region=s1.region.reports_to, defaults={"earliest_end": datetime.time(17, 30)}
    )
    with pytest.raises(ValidationError) as exc:
        services.term_save(
            school=s1,
            name="短学期",
            start=datetime.date(2026, 9, 1),
            end=datetime.date(2026, 9, 30),
            weekdays="12345",
            day_start=datetime.time(16),
            day_end=datetime.time(17),
            actor=None,
        )
    assert exc.value.code == "too_early"
    assert "郑州市" in exc.value.messages[0] and "17:30" in exc.value.messages[0]


def test_it_refuses_staff_from_another_school(demo, term, venue_factory, activity_factory):
    with pytest.raises(ValidationError) as exc:
        make_group(demo, term, activity_factory(), venue_factory(), lead="s2_admin")
    assert exc.value.code == "lead"


def test_it_notifies_the_county_bureau_when_an_off_campus_checklist_is_complete(demo, s1):
    from notices.models import Notification

    activity = services.activity_save(
        school=s1, title="科技馆研学", category=Category.PRACTICE, off_campus=True, actor=None
    )
    assert not services.activity_can_run(activity)
    with pytest.raises(ValidationError) as exc:
        services.checklist_complete(
            checklist=activity.checklist,
            traffic=True,
            venue=True,
            fire=True,
            food=False,
            security=True,
            notes="",
            actor=demo.user("s1_admin"),
        )
    assert "食品卫生" in exc.value.messages[0]
    services.checklist_complete(
        checklist=activity.checklist,
        traffic=True,
        venue=True,
        fire=True,
        food=True,
        security=True,
        notes="已与交警、卫生部门沟通",
        actor=demo.user("s1_admin"),
    )
    activity.refresh_from_db()
    # F12: the checklist alone does not open the gate: the coordination must be recorded too.
    assert not services.activity_can_run(activity)
    services.checklist_coordination_recorded(activity=activity, at=activity.checklist.completed_at)
    activity.refresh_from_db()
    assert services.activity_can_run(activity)
    assert Notification.objects.filter(
        recipient=demo.user("zy_bureau"), kind="activities/off_campus_ready"
    ).exists()
    assert not Notification.objects.filter(
        recipient=demo.user("gy_bureau"), kind="activities/off_campus_ready"
    ).exists()


def test_it_rebuilds_sessions_when_the_term_changes(demo, term, venue_factory, activity_factory):
    group = make_group(demo, term, activity_factory(), venue_factory())
    assert group.sessions.filter(date__gt=datetime.date(2026, 10, 9)).exists()
    services.term_save(
        school=term.school,
        name=term.name,
        start=term.start,
        end=datetime.date(2026, 10, 9),
        weekdays="135",
        day_start=term.day_start,
        day_end=term.day_end,
        actor=None,
        term=term,
    )
    assert not group.sessions.filter(date__gt=datetime.date(2026, 10, 9)).exists()
    assert {s.date.isoweekday() for s in group.sessions.all()} <= {1, 3, 5, 6, 7}


def test_it_refuses_the_lead_as_an_assistant(demo, term, venue_factory, activity_factory):
    from schools.models import User

    make_group(demo, term, activity_factory(), venue_factory())
    lead = User.objects.get(username="t_teacher1")
    with pytest.raises(ValidationError) as exc:
        make_group(
            demo,
            term,
            activity_factory(title="合唱"),
            venue_factory(name="舞蹈室"),
            name="二组",
            assistants=[lead],
        )
    assert exc.value.code == "assistant"


def test_the_group_page_warns_when_its_venue_has_an_open_critical_finding(
    client, demo, term, venue_factory, activity_factory
):
    from django.urls import reverse

    from activities.services import VENUE_BLOCKERS

    group = make_group(demo, term, activity_factory(), venue_factory())
    VENUE_BLOCKERS.append(lambda venue: "灭火器过期，整改前停用" if venue == group.venue else None)
    try:
        client.force_login(demo.user("s1_admin"))
        body = client.get(
            reverse("activities:group-detail", kwargs={"group_code": group.code})
        ).content.decode()
    finally:
        VENUE_BLOCKERS.pop()
    assert "灭火器过期，整改前停用" in body
