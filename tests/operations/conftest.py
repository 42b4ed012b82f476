import pytest
from django.utils import translation


@pytest.fixture
def backup_places(settings, tmp_path):
    """Backups, uploads and reports in the test's own folders; messages in English."""
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORTS_ROOT = tmp_path / "reports"
    settings.BACKUP_ENCRYPTION_KEY = ""
    settings.BACKUP_ENCRYPTION_KEY_FILE = ""
    with translation.override("en"):
        yield settings
