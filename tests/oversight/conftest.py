import pytest


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    """Generated reports go to a folder of the test's own."""
    settings.REPORTS_ROOT = tmp_path
    return tmp_path
