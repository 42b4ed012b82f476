"""The daily backup (beat, hourly): one backup once BACKUP_DAILY_AT has passed and none since, so a
missed hour or day catches up and a second run the same day makes nothing; nothing when unset."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from afterschool import backup, tasks

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.operations]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: int, hour: int, minute: int = 0):
    return time_machine.travel(datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI), tick=False)


def test_one_backup_a_day_after_the_set_time(backup_places):
    backup_places.BACKUP_DAILY_AT = "02:30"
    backup_places.BACKUP_KEEP = 2
    with _at(29, 2, 0):
        assert tasks.backup_daily() == "20261128T180000Z"  # no backup yet: yesterday's 02:30 was due
        assert tasks.backup_daily() == ""
    with _at(29, 10):
        assert tasks.backup_daily() != ""  # 02:30 today passed since the night's catch-up
        assert tasks.backup_daily() == ""
    with _at(30, 2, 29):
        assert tasks.backup_daily() == ""
    with _at(30, 2, 31):
        made = tasks.backup_daily()
    assert made == "20261129T183100Z"
    assert [p.name for p in backup.backups_list()][-1] == made
    assert len(backup.backups_list()) == 2  # BACKUP_KEEP


def test_nothing_when_no_time_is_set(backup_places):
    backup_places.BACKUP_DAILY_AT = ""
    assert tasks.backup_daily() == ""
    assert backup.backups_list() == []
