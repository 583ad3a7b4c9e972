from django.urls import path

from appeals.views import public, status

app_name = "appeals"

urlpatterns = [
    path("", public.appeal_form, name="form"),
    path("confirm/", public.check_email, name="check_email"),
    path("confirm/<uuid:key>/<str:token>/", public.confirm_link, name="confirm_link"),
    path("received/", public.received, name="received"),
    path("status/", status.status_login, name="status"),
    path("status/appeal/", status.status_detail, name="status_detail"),
    path("status/appeal/answer/", status.status_answer, name="status_answer"),
    path("status/appeal/withdraw/", status.status_withdraw, name="status_withdraw"),
    path("status/logout/", status.status_logout, name="status_logout"),
]
