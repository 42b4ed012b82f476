import datetime
import logging
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.support import factories, nginx
from tests.support.rounds import first_round_open
from tests.support.services import need_service, tcp_open

# Playwright's sync API runs an event loop in the test thread; the ORM calls made from the same
# thread (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The suite's clock (docs/design.md, "Tests": nothing may depend on the day). Every test starts at
# this instant, ticking, whatever the machine's date: the session-wide demo data are built at it,
# and a test that needs another moment travels from here (time_machine.travel nests). CI also runs
# the suite with the process clock moved by faketime (.ci/run), which shows nothing reads the real
# date around this pin. Sunday 29 November 2026, mid-morning in Asia/Shanghai, lies in the demo's
# autumn term with four weeks of history behind it.
SUITE_NOW = datetime.datetime(2026, 11, 29, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def pytest_configure(config):
    time_machine.travel(SUITE_NOW, tick=True).start()


@pytest.fixture(autouse=True)
def fresh_account_states():
    """Each test starts with no account state in the cache (schools.account_state): a test's rows
    are rolled back afterwards, and the next test may reuse their ids."""
    from schools import account_state

    account_state.bump_everyone()


@pytest.fixture(autouse=True)
def still_clock_for_query_counts(request):
    """A test that counts queries holds the clock still (it may travel on its own). Counting before
    and after building data would otherwise also count the session write of the staff idle clock
    (schools.middleware: at most once a minute) whenever the building took a minute, as it does on
    a loaded machine."""
    if not {"django_assert_num_queries", "django_assert_max_num_queries"} & set(request.fixturenames):
        yield
        return
    import time

    with time_machine.travel(time.time(), tick=False):
        yield


@pytest.fixture
def redis_url(settings):
    url = settings.REDIS_URL or os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
    need_service("Redis", tcp_open(url, 6379))
    return url


@pytest.fixture
def user(db):
    return factories.UserFactory()


# --- Personas of docs/demo.md shared by several folders ----------------------------------------------


@pytest.fixture
def s1(demo):
    return demo.school("s1")


@pytest.fixture
def s1_admin(demo):
    return demo.user("s1_admin")


@pytest.fixture
def admin(client, demo):
    """The test client signed in as s1's school admin."""
    client.force_login(demo.user("s1_admin"))
    return client


@pytest.fixture
def parent(client, demo):
    """The test client signed in as s1_parent (刘子涵's and 刘浩然's mother)."""
    client.force_login(demo.user("s1_parent"))
    return client


# --- s1's autumn term with a fresh first round of enrollment (enrollment and privacy tests) ------


@pytest.fixture
def term(demo):
    """s1's autumn term of the demo (the folders of activities and subsidies have their own)."""
    from activities.models import Term

    return Term.objects.get(school=demo.school("s1"), name="2026年秋季学期")


@pytest.fixture
def window(demo, term):
    """A fresh first round: the demo's applications and placements for the term are cleared."""
    return first_round_open(term, actor=demo.user("s1_admin"))


@pytest.fixture
def notice(demo, term, window):
    from enrollment import services as enrollment_services

    return enrollment_services.notice_publish(
        term=term,
        service_method="学校统一组织，家长自愿申请，班级审核后由学校统一安排。",
        content="作业看管、阅读、体育、艺术、科普等活动。",
        safety_measures="考勤、交接班、放学交接，仅交给监护人或授权接送人。",
        actor=demo.user("s1_admin"),
    )


@pytest.fixture
def grade3_groups(term):
    from activities.models import ActivityGroup

    return list(ActivityGroup.objects.filter(term=term, grades__contains="3").order_by("pk"))


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """collectstatic once per session, for the portal behind nginx (tests/support/nginx.py)."""
    nginx.nginx_binary()  # no nginx, no need for the files: skipped, or failed in CI
    root = tmp_path_factory.mktemp("staticfiles")
    nginx.collect_static(root)
    return root


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed docs/demo.md once per session; tests run in transactions rolled back to it."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))


@pytest.fixture
def demo(db):
    """The docs/demo.md personas and schools. Transactional tests (which flush) seed again."""
    from django.core.management import call_command

    from schools.models import School

    if not School.objects.exists():
        call_command("seed_demo", stdout=open(os.devnull, "w"))
    return factories.Demo()


# --- No personal data in logs (PIPL): every record the suite emits is checked at the end. -------
_LOG_RECORDS: list[str] = []


class _Collect(logging.Handler):
    def emit(self, record):
        try:
            # The traceback and stack too (masked by audit.logging on the handlers that run first).
            extra = "\n".join(t for t in (record.exc_text, record.stack_info) if t)
            _LOG_RECORDS.append(f"{record.name}: {record.getMessage()}\n{extra}".rstrip())
        except Exception:  # a malformed record is not ours to judge here
            pass


def pytest_sessionstart(session):
    logging.getLogger().addHandler(_Collect(level=logging.DEBUG))


def pytest_sessionfinish(session, exitstatus):
    from audit.logging import contains_personal_data

    leaks = [line for line in _LOG_RECORDS if contains_personal_data(line)]
    if leaks:
        print("\nLog lines with personal data (mobile or ID numbers):\n" + "\n".join(leaks[:20]))
        session.exitstatus = 1
