import io
import logging
import os
from urllib.parse import urlparse

import pytest
from django.conf import settings

from audit.logging import MaskPersonalData, contains_personal_data, mask
from tests.support.services import tcp_open


def test_it_masks_mobile_and_id_numbers():
    text = "家长 13900000001 核验 410102201503051236 学籍号 G410102201503051236"
    masked = mask(text)
    assert "139****0001" in masked
    assert "13900000001" not in masked and "201503051236" not in masked
    assert not contains_personal_data(masked)
    assert (
        mask("订单 2026112913 号、时间 16:00") == "订单 2026112913 号、时间 16:00"
    )  # 10 digits: not a mobile


def test_the_configured_handlers_mask_what_they_write(caplog):
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "pick-up by %s", ("13812345678",), None)
    MaskPersonalData().filter(record)
    assert record.getMessage() == "pick-up by 138****5678"
    root = logging.getLogger()
    handlers = [h for h in root.handlers if h.__class__.__name__ == "StreamHandler"]
    assert all(any(isinstance(f, MaskPersonalData) for f in h.filters) for h in handlers)


# --- tracebacks, stacks and every spelling of a number --------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "+86 139 0000 0001",
        "+8613900000001",
        "86-139-0000-0001",
        "139-0000-0001",
        "139 0000 0001",
        "１３９０００００００１",
        "＋８６ １３９ ００００ ０００１",
    ],
)
def test_it_masks_every_spelling_of_a_mobile(spelling):
    masked = mask(f"监护人 {spelling} 已登记")
    assert "0000 0001" not in masked and "00000001" not in masked and "００００００" not in masked
    assert not contains_personal_data(masked)
    assert contains_personal_data(f"监护人 {spelling} 已登记")


@pytest.mark.parametrize(
    "number", ["Ｇ４１０１０２２０１５０３０５１２３Ｘ", "L2015030512345678", "G20150305123456789"]
)
def test_it_masks_student_number_shapes(number):
    masked = mask(f"学籍号 {number} 重复")
    assert "20150305" not in masked and "２０１５０３０５" not in masked
    assert not contains_personal_data(masked)


def _postgres_dsn() -> str | None:
    """The PostgreSQL server the suite runs on, else a local one (TEST_POSTGRES_URL); None when
    there is none (SQLite's errors carry no values, so there is nothing to leak there)."""
    db = settings.DATABASES["default"]
    if "postgresql" in db["ENGINE"]:
        return (
            f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} dbname={db['NAME']} "
            f"user={db['USER']} password={db['PASSWORD'] or ''}"
        )
    url = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not tcp_open(url, 5432):
        return None
    parsed = urlparse(url)
    return (
        f"host={parsed.hostname} port={parsed.port or 5432} dbname={parsed.path.lstrip('/')} "
        f"user={parsed.username} password={parsed.password or ''}"
    )


def _emitted(log) -> str:
    """What the configured console handler writes for `log(logger)`."""
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, MaskPersonalData) for f in h.filters)
    )
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        log(logging.getLogger("tests.logging"))
    finally:
        handler.setStream(old)
    return stream.getvalue()


def test_a_database_error_in_a_traceback_is_masked():
    dsn = _postgres_dsn()
    if dsn is None:
        pytest.skip("no PostgreSQL server reachable")
    import psycopg2

    connection = psycopg2.connect(dsn)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE guardian_probe (mobile varchar(11) UNIQUE, number varchar(19) UNIQUE)"
            )
            cursor.execute("INSERT INTO guardian_probe VALUES ('13900000001', 'G410102201503051236')")
            try:
                cursor.execute("INSERT INTO guardian_probe VALUES ('13900000001', 'G410102201503051237')")
            except psycopg2.IntegrityError as exc:
                error = exc
        connection.rollback()
    finally:
        connection.close()
    assert "13900000001" in str(error)  # the database put the value in its message

    def log(logger):
        try:
            raise error
        except psycopg2.IntegrityError:
            logger.exception("Saving the guardian failed")

    text = _emitted(log)
    assert "Traceback" in text and "already exists" in text
    assert "13900000001" not in text and "139****0001" in text


def test_a_stack_and_a_formatted_exception_are_masked():
    def log(logger):
        try:
            raise ValueError(
                "Key (student_number)=(G410102201503051236) already exists; 家长 +86 139 0000 0001"
            )
        except ValueError:
            logger.error("import failed for %s", "１３９０００００００１", exc_info=True, stack_info=True)

    text = _emitted(log)
    assert "Stack (most recent call last)" in text
    assert not contains_personal_data(text), text
