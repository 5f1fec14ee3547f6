from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    """What the groups meant: the experience survey (ervaringwijzer) and stories (verhalen)."""

    name = "outcomes"
    verbose_name = _("outcomes")
