from django.urls import path

from fupin.areas import views

app_name = "areas"
urlpatterns = [path("", views.area_tree, name="area-tree")]
