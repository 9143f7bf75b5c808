from django.urls import path

from fupin.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="notice-list"),
    path("<int:pk>/", views.notice_detail, name="notice-detail"),
    path("<int:pk>/objections/", views.objection_create, name="objection-create"),
    path("<int:pk>/close/", views.notice_close, name="notice-close"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection-resolve"),
]
