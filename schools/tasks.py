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
