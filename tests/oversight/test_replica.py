"""Bureau reads on a real PostgreSQL streaming replica (started on this machine for the test):
the dashboard reads the replica, while writes, even inside the bureau's reads, go to the primary.
Replay is paused on the replica to tell the two apart. Skipped on SQLite; on PostgreSQL a replica
that cannot start fails the test."""

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import services as audit
from audit.models import AuditEvent
from oversight.models import DailySchoolSummary
from schools.replica import REPLICA, replica_reads
from tests.support.replica import replay_wait, standby_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica():
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica needs PostgreSQL")
    standby = standby_start()
    # What settings make of DATABASE_REPLICA_URL, made here once the standby runs (the test database
    # of the primary, replicated, on the standby's port).
    replica = connections["default"].__class__(
        {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": str(standby.port), "CONN_MAX_AGE": 0},
        REPLICA,
    )
    connections[REPLICA] = replica
    try:
        yield replica
    finally:
        replica.close()
        del connections[REPLICA]
        standby.stop()


def _replay(replica, action: str) -> None:
    with replica.cursor() as cursor:
        cursor.execute(f"SELECT pg_wal_replay_{action}()")


def test_the_dashboard_reads_the_replica_while_writes_go_to_the_primary(replica, demo, client):
    officer = demo.user("zz_bureau")
    client.force_login(officer)
    replay_wait(connection, replica)
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0]
    before = client.get(reverse("oversight:dashboard")).context["totals"]["offering"]
    assert before > 0

    # The replica stops replaying; the primary loses its summaries.
    _replay(replica, "pause")
    DailySchoolSummary.objects.all().delete()
    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(reverse("oversight:dashboard"))
    assert response.status_code == 200
    assert response.context["totals"]["offering"] == before
    assert any("oversight_dailyschoolsummary" in q["sql"] for q in on_replica.captured_queries)
    with replica_reads():
        assert DailySchoolSummary.objects.exists()  # read: the replica still has them
        event = audit.record(actor=officer, verb="replica.test", target=officer)  # write: the primary
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert not DailySchoolSummary.objects.exists()  # outside the bureau's reads: the primary

    _replay(replica, "resume")
    replay_wait(connection, replica)
    assert client.get(reverse("oversight:dashboard")).context["totals"]["offering"] == 0
    with replica_reads():
        assert AuditEvent.objects.filter(pk=event.pk).exists()
