from django.urls import path

from fupin.hotline import views

app_name = "hotline"
urlpatterns = [
    path("", views.ticket_list, name="ticket-list"),
    path("new/", views.ticket_new, name="ticket-new"),
    path("mine/", views.my_tickets, name="my-tickets"),
    path("figures/", views.figures, name="figures"),
    path("routing/", views.routing, name="routing"),
    path("routing/rules/", views.rule_create, name="rule-create"),
    path("routing/rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("routing/deadlines/", views.deadline_save, name="deadline-save"),
    path("<int:pk>/", views.ticket_detail, name="ticket-detail"),
    path("<int:pk>/<slug:action>/", views.ticket_action, name="ticket-action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
