from django.urls import path

from reports import public_views

app_name = "review"

urlpatterns = [
    path("", public_views.review_list, name="list"),
    path("<int:year>/<int:quarter>/", public_views.review_detail, name="detail"),
    path("<int:year>/<int:quarter>/pdf/", public_views.review_pdf, name="pdf"),
]
