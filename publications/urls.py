from django.urls import path

from publications import views

app_name = "publications"

urlpatterns = [
    path("", views.answer_list, name="list"),
    path("hints/", views.answer_hints, name="hints"),
    path("<uuid:key>/", views.answer_detail, name="detail"),
]
