from django.urls import path

from cabinet import views

app_name = "cabinet"

urlpatterns = [
    path("", views.start, name="start"),
    path("sent/", views.sent, name="sent"),
    path("enter/<str:token>/", views.enter, name="enter"),
    path("appeals/", views.appeal_list, name="appeals"),
    path("appeals/<str:number>/", views.appeal_detail, name="appeal"),
    path("appeals/<str:number>/answer/", views.appeal_answer, name="answer"),
    path("appeals/<str:number>/feedback/", views.appeal_feedback, name="feedback"),
    path("appeals/<str:number>/access-code/", views.access_code, name="access_code"),
    path("sign-out/", views.sign_out, name="sign_out"),
]
