from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectiefConfig(AppConfig):
    name = "collectief"
    verbose_name = _("Organisation")

    def ready(self):
        from . import checks  # noqa: F401 - registers the production checks
