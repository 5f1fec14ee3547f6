"""The public group finder /aanbod/ (offers/views_public.py), and staff handling its sign-ups.

Combined into the "offers" namespace by offers/urls.py. ``offers:public_offer`` takes
(municipality id, offer id): the flyer's QR code opens it."""

from django.urls import path

from . import views_public

urlpatterns = [
    path("aanbod/", views_public.finder, name="finder"),
    path("aanbod/<int:municipality_pk>/", views_public.finder_municipality, name="finder_municipality"),
    path("aanbod/<int:municipality_pk>/<int:offer_pk>/", views_public.public_offer, name="public_offer"),
    path("aanbod/<int:municipality_pk>/<int:offer_pk>/aanmelden/", views_public.signup, name="signup"),
    path("aanbod/<int:municipality_pk>/<int:offer_pk>/bedankt/", views_public.signup_thanks, name="signup_thanks"),
    # Staff: "Teruggebeld" / "Afsluiten" on the waiting list or the start page.
    path("aanmeldingen/<int:signup_pk>/status/", views_public.signup_status, name="signup_status"),
]
