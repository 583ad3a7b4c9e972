from django.urls import path

from appeals.views import public

app_name = "appeals"

urlpatterns = [
    path("", public.appeal_form, name="form"),
    path("confirm/", public.check_email, name="check_email"),
    path("confirm/<uuid:key>/<str:token>/", public.confirm_link, name="confirm_link"),
    path("received/", public.received, name="received"),
]
