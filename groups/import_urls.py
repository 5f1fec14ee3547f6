from django.urls import path

from . import import_views

app_name = "importer"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("controleren/", import_views.preview, name="preview"),
    path("bevestigen/", import_views.confirm, name="confirm"),
    path("annuleren/", import_views.cancel, name="cancel"),
]
