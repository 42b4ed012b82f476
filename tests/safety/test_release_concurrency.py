"""On PostgreSQL with real threads: twenty phones releasing the same child at once record one
release; sweeps running on many workers at once raise one alert per recipient per interval.
(SQLite serialises every write transaction, so there is nothing to race there.)"""

import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from notices.models import Notification
from safety.models import Release
from safety.services import attendance, release
from tests.support.attendance import DAY, at, care_session

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 20


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises every write)")


def run_at_once(count, work):
    """Start `count` threads behind a barrier; each runs work() on its own connection."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        from django.db import connection as own

        try:
            barrier.wait()
            results.append(work())
        except ValidationError as exc:
            errors.append(exc.code)
        except Exception as exc:  # noqa: BLE001  (reported by the assertions below)
            errors.append(repr(exc))
        finally:
            own.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_twenty_threads_releasing_the_same_child_record_exactly_one_release(demo):
    care = care_session(demo, count=1)
    child = care.students[0]
    guardian = care.guardian(child)
    with time_machine.travel(at(17, 1), tick=True):
        attendance.roll_call_save(session=care.session, actor=care.lead, marks={child.pk: "present"})
        results, errors = run_at_once(
            THREADS,
            lambda: release.release_record(
                session=care.session, student=child, actor=care.lead, guardian=guardian, verification="photo"
            ),
        )
    assert len(results) == 1, errors
    assert errors == ["already_released"] * (THREADS - 1)
    assert Release.objects.filter(student=child, date=DAY).count() == 1


def test_sweeps_on_many_workers_at_once_alert_once_per_recipient_per_interval(demo):
    care = care_session(demo, count=3)
    with time_machine.travel(at(16, 5), tick=True):
        attendance.roll_call_save(
            session=care.session, actor=care.lead, marks={s.pk: "present" for s in care.students}
        )
    with time_machine.travel(at(17, 31), tick=True):
        _results, errors = run_at_once(10, release.unreleased_sweep)
    assert errors == []
    with time_machine.travel(at(17, 46), tick=True):
        _results, errors = run_at_once(10, release.unreleased_sweep)
    assert errors == []
    for student in care.students:
        notices = Notification.objects.filter(
            kind="safety/unreleased", dedupe_key__contains=str(student.code)
        )
        per_recipient = {}
        for username in notices.values_list("recipient__username", flat=True):
            per_recipient[username] = per_recipient.get(username, 0) + 1
        assert per_recipient == {"s1_admin": 2, care.guardian(student).user.username: 2}
