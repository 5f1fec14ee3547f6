from django.urls import path

from . import views

app_name = "importer"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("controleren/", views.preview, name="preview"),
    path("bevestigen/", views.confirm, name="confirm"),
    path("annuleren/", views.cancel, name="cancel"),
    path("voortgang/", views.run_status, name="status"),
]
