from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("code/", views.by_code, name="by_code"),
    path("answer/", views.answer, name="answer"),
    path("<str:token>/", views.by_token, name="by_token"),
]
