"""The sociale kaart and the offers and partners staff keep (offers/views_map.py)."""

from django.urls import path

from . import views_map

urlpatterns = [
    path("sociale-kaart/", views_map.offer_map, name="map"),
    path("sociale-kaart/overzicht/", views_map.overview, name="overview"),
    path("sociale-kaart/aanbod/nieuw/", views_map.offer_create, name="offer_create"),
    path("sociale-kaart/aanbod/<int:pk>/", views_map.offer_detail, name="offer_detail"),
    path("sociale-kaart/aanbod/<int:pk>/bewerken/", views_map.offer_edit, name="offer_edit"),
    path("sociale-kaart/aanbod/<int:pk>/gecontroleerd/", views_map.offer_check, name="offer_check"),
    path("sociale-kaart/aanbod/<int:pk>/gestopt/", views_map.offer_deactivate, name="offer_deactivate"),
    path("sociale-kaart/partners/", views_map.partner_list, name="partners"),
    path("sociale-kaart/partners/nieuw/", views_map.partner_create, name="partner_create"),
    path("sociale-kaart/partners/<int:pk>/bewerken/", views_map.partner_edit, name="partner_edit"),
]
