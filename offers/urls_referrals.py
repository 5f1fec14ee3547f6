"""Referrals with feedback (offers/views_referrals.py).

Combined into the "offers" namespace by offers/urls.py (included at the root)."""

from django.urls import path

from . import views_referrals

urlpatterns = [
    # From the resident's page: "Verwijzen".
    path("deelnemers/<int:participant_pk>/verwijzen/", views_referrals.refer, name="refer"),
    path("sociale-kaart/verwijzingen/", views_referrals.referral_figures, name="referral_figures"),
    path("sociale-kaart/verwijzingen/<int:referral_pk>/uitkomst/", views_referrals.referral_outcome,
         name="referral_outcome"),
]
