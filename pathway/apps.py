from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwayConfig(AppConfig):
    """The path of "collectief, tenzij": from help request (queue, weighing) to group (bundling)."""

    name = "pathway"
    verbose_name = _("from help request to group")
