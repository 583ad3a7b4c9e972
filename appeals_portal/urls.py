from django.contrib import admin
from django.urls import include, path

from appeals_portal import health

urlpatterns = [
    path("", include("appeals.urls")),
    path("health/", health.health, name="health"),
    path("health/ready/", health.ready, name="health_ready"),
    path("captcha/", include("captcha.urls")),
    path("admin/reports/", include("reports.urls")),
    path("review/", include("reports.public_urls")),
    path("feedback/", include("feedback.urls")),
    path("answers/", include("publications.urls")),
    path("cabinet/", include("cabinet.urls")),
    # The staff's own second-factor pages, in the admin's look; before the admin's catch-all.
    path("admin/second-factor/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]
