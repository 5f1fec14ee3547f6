"""The printable flyer per offer (offers/views_flyer.py), under the offer's page on the sociale kaart.

Combined into the "offers" namespace by offers/urls.py."""

from django.urls import path

from . import views_flyer

urlpatterns = [
    path("sociale-kaart/aanbod/<int:pk>/flyer/", views_flyer.flyer, name="flyer"),
    path("sociale-kaart/aanbod/<int:pk>/flyer/status/", views_flyer.flyer_status, name="flyer_status"),
    path("sociale-kaart/aanbod/<int:pk>/flyer/pdf/", views_flyer.flyer_pdf, name="flyer_pdf"),
]
