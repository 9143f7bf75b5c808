from django.urls import path

from fupin.inbox import views

app_name = "inbox"
urlpatterns = [
    path("", views.message_list, name="message-list"),
    path("<int:pk>/open/", views.message_open, name="message-open"),
    path("read-all/", views.mark_all_read, name="mark-all-read"),
]
