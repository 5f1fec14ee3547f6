"""Keep the offers of our own groups in step with the groups (offers.sync)."""

from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from groups.models import Group

from .sync import sync_group


@receiver(post_save, sender=Group, dispatch_uid="offers-sync-group")
def group_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        sync_group(instance)


@receiver(m2m_changed, sender=Group.life_domains.through, dispatch_uid="offers-sync-domains")
def group_domains_changed(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Group):
        sync_group(instance)
