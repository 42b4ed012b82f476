"""The parent's journeys (api/views/parent*.py)."""

urlpatterns: list = []
