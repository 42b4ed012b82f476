"""/api/: the schema, its docs, and version 1, one url module per audience (each helper adds one line)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

app_name = "api"

v1 = [
    path("", include("api.urls_accounts")),
    path("parent/", include("api.urls_parent")),
    path("staff/", include("api.urls_staff")),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script from a URL of its own: no inline script, so the portal's CSP holds.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(v1)),
]
