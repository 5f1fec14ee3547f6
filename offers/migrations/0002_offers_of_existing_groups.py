"""Our existing groups appear on the sociale kaart (new groups do by themselves: offers.signals)."""

from django.db import migrations


def existing_groups(apps, schema_editor):
    from offers.sync import facts  # plain values from a group's fields; safe on historical models

    Group = apps.get_model("groups", "Group")
    Offer = apps.get_model("offers", "Offer")
    for group in Group.objects.select_related("team").prefetch_related("life_domains"):
        if Offer.objects.filter(group=group).exists():
            continue
        offer = Offer.objects.create(group=group, source="own", **facts(group))
        offer.life_domains.set(group.life_domains.all())


class Migration(migrations.Migration):
    dependencies = [("offers", "0001_initial"), ("groups", "0010_interest_trial_date")]
    operations = [migrations.RunPython(existing_groups, migrations.RunPython.noop)]
