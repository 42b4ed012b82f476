import datetime
import logging
import os
import socket
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests import factories

# Playwright's sync API runs an event loop in the test thread; the ORM calls made from the same
# thread (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# The suite's clock (docs/design.md, "Tests": nothing may depend on the day). Every test starts at
# this instant, ticking, whatever the machine's date: the session-wide demo data are built at it,
# and a test that needs another moment travels from here (time_machine.travel nests). CI also runs
# the suite with the process clock moved by faketime (.ci/run), which shows nothing reads the real
# date around this pin. Sunday 29 November 2026, mid-morning in Asia/Shanghai, lies in the demo's
# autumn term with four weeks of history behind it.
SUITE_NOW = datetime.datetime(2026, 11, 29, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def pytest_configure(config):
    time_machine.travel(SUITE_NOW, tick=True).start()


def server_env() -> dict:
    """The environment for a server a test starts (redis-server): without libfaketime, which
    `make test-at` preloads into the suite's process tree. Servers keep the machine's clock, as
    PostgreSQL does; jemalloc's redis-server cannot start under libfaketime at all."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


def need_service(what: str, available: bool):
    """A test that needs a real service: skipped on a laptop without it, failed in CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not reachable")
    pytest.skip(f"{what} not reachable")


def tcp_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), 1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url(settings):
    url = settings.REDIS_URL or os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
    need_service("Redis", tcp_open(url, 6379))
    return url


@pytest.fixture
def user(db):
    return factories.UserFactory()


@pytest.fixture(scope="session")
def browser():
    need_service("Chromium", os.path.exists(CHROMIUM))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context at phone width, Chinese first as parents' phones are.

    The browser keeps the machine's real clock while the server runs on SUITE_NOW; that is fine
    because Django's cookies carry Max-Age, which browsers count from their own clock."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


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
