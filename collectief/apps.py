from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectiefConfig(AppConfig):
    name = "collectief"
    verbose_name = _("Organisation")
