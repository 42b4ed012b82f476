from celery import shared_task
from django.utils import translation

from schools import roster
from schools.models import RosterImport


@shared_task(acks_late=True)
def roster_import_run(roster_import_id: int) -> str | None:
    """Import a confirmed roster file; the row messages are written in the uploader's language."""
    language = (
        RosterImport.objects.filter(pk=roster_import_id)
        .values_list("uploaded_by__language", flat=True)
        .first()
    )
    if language is None:
        return None
    with translation.override(language):
        result = roster.roster_import_run(roster_import_id=roster_import_id)
    return result.status if result else None


@shared_task
def roster_imports_resume() -> int:
    """Re-send confirmed imports still queued after two minutes (the broker was down at commit, or
    a worker died); the import claims its row, so a duplicate send does nothing."""
    from datetime import timedelta

    from django.utils import timezone

    stale = RosterImport.objects.filter(
        status=RosterImport.Status.QUEUED, created__lt=timezone.now() - timedelta(minutes=2)
    ).values_list("pk", flat=True)
    for pk in stale:
        roster_import_run.delay(pk)
    return len(stale)
