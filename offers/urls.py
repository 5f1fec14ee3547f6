"""The offer in one place (issue 13), each part in its own module: the sociale kaart and offers for
staff (urls_map), the public group finder (urls_public), the flyer (urls_flyer) and referrals
(urls_referrals)."""

from . import urls_flyer, urls_map, urls_public, urls_referrals

app_name = "offers"

urlpatterns = urls_map.urlpatterns + urls_public.urlpatterns + urls_flyer.urlpatterns + urls_referrals.urlpatterns
