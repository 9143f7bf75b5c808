"""The household file's routes. They live in the ``registry`` URL namespace (composed in
fupin/config/urls.py), so ``registry:household-detail`` keeps naming the household page."""

from django.urls import path

from fupin.dossier import views

urlpatterns = [
    path("households/<int:pk>/", views.household_file, name="household-detail"),
    path("households/<int:pk>/history/", views.household_history, name="household-history"),
    path("households/<int:pk>/pdf/", views.household_pdf, name="household-pdf"),
]
