"""The reports' pages inside the admin (appeals_portal/urls.py mounts them at admin/reports/)."""

from django.contrib import admin
from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("overview/", admin.site.admin_view(views.index), name="index"),
    path("trends/", admin.site.admin_view(views.trends_page), name="trends"),
    path("report/<slug:slug>/", admin.site.admin_view(views.report), name="report"),
]
