from django.urls import path

from fupin.hotline import public

app_name = "hotline-public"
urlpatterns = [
    path("", public.public_form, name="form"),
    path("submitted/", public.public_submitted, name="submitted"),
    path("track/", public.public_track, name="track"),
]
