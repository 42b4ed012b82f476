from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from afterschool import health, metrics

admin.site.site_header = admin.site.site_title = "课后服务管理平台"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("healthz/proxy", health.healthz_proxy, name="healthz-proxy"),
    # Prometheus: allowed networks, the token or staff only (afterschool/metrics.py).
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("notices/", include("notices.urls")),
    path("school/", include("schools.urls")),
    path("activities/", include("activities.urls")),
    path("enrollment/", include("enrollment.urls")),
    path("safety/", include("safety.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("", include("oversight.urls")),  # /oversight/… and /evaluation/…
    path("privacy/", include("privacy.urls")),
    path("api/", include("api.urls")),  # the mobile API (api/__init__.py)
    path("accounts/devices/", include("api.urls_web")),  # one's signed-in apps
    path("", include("schools.urls_accounts")),
]

# JSON under /api/ for the apps, the portal's page elsewhere.
handler404 = "api.views.errors.not_found"

if settings.DEBUG:
    # Lets a developer look at the error pages that production shows.
    urlpatterns += [
        path("_errors/404/", TemplateView.as_view(template_name="404.html")),
        path("_errors/500/", TemplateView.as_view(template_name="500.html")),
    ]
