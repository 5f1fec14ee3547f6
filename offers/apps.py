from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    """The offer in one place (issue 13): the sociale kaart, the public group finder, referrals."""

    name = "offers"
    verbose_name = _("offer (aanbod)")

    def ready(self):
        from . import signals  # noqa: F401 - own groups appear on the map by themselves
