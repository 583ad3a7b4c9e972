from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.status, name="second_factor"),
    path("setup/", views.setup, name="setup"),
]
