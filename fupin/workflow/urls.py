from django.urls import path

from fupin.workflow import views

app_name = "workflow"
urlpatterns = [
    path("households/<int:pk>/<slug:action>/", views.household_transition_view, name="household-transition"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
]
