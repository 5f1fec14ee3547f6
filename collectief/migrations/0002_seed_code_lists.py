"""Seed the code lists of DESIGN.md; administrators may add more, these codes must exist."""

from django.db import migrations

GROUP_KINDS = [
    ("support", "Groepsgerichte ondersteuning", "Group-based support", True),
    ("meet", "Ontmoeten en meedoen", "Meeting and taking part (day activities)", False),
    ("youth", "Jongerenwerk (groepswerk)", "Youth group work", False),
]
FRAMEWORKS = [
    ("wmo", "Wmo", "Wmo (Social Support Act)"),
    ("jeugdwet", "Jeugdwet", "Youth Act"),
    ("wgs", "Wgs (schuldhulpverlening)", "Wgs (Municipal Debt Assistance Act)"),
]
LIFE_DOMAINS = [
    ("financien", "Financiën", "Finances"),
    ("wonen", "Wonen", "Housing"),
    ("werk_dagbesteding", "Werk en dagbesteding", "Work and daytime activities"),
    ("sociaal_netwerk", "Sociaal netwerk", "Social network"),
    ("opvoeding", "Opvoeding", "Parenting"),
    ("relaties", "Relaties", "Relationships"),
    ("lichamelijke_gezondheid", "Lichamelijke gezondheid", "Physical health"),
    ("mentale_gezondheid", "Mentale gezondheid", "Mental health"),
    ("zingeving", "Zingeving", "Meaning in life"),
    ("participatie", "Participatie", "Participation"),
    ("dagelijks_functioneren", "Dagelijks functioneren", "Daily functioning"),
    ("verslaving", "Verslaving", "Addiction"),
    ("justitie", "Justitie", "Justice"),
]
END_REASONS = [
    ("completed_no_further_support", "Afgerond, geen verdere ondersteuning nodig", "Completed, no further support needed"),
    ("to_individual_support", "Door naar individuele ondersteuning", "On to individual support"),
    ("to_other_group", "Door naar een ander collectief", "On to another group"),
    ("next_series", "Door naar een volgende reeks", "On to a next series"),
    ("self_running", "Groep gaat zelfstandig verder", "Group continues self-running"),
    ("dropped_out", "Gestopt (uitval)", "Dropped out"),
    ("moved", "Verhuisd", "Moved away"),
    ("other", "Anders", "Other"),
]


def seed(apps, schema_editor):
    GroupKind = apps.get_model("collectief", "GroupKind")
    for order, (code, nl, en, counts) in enumerate(GROUP_KINDS):
        GroupKind.objects.update_or_create(
            code=code, defaults={"name_nl": nl, "name_en": en, "sort_order": order, "counts_for_kpi": counts}
        )
    for model_name, rows in [("Framework", FRAMEWORKS), ("LifeDomain", LIFE_DOMAINS), ("EndReason", END_REASONS)]:
        model = apps.get_model("collectief", model_name)
        for order, (code, nl, en) in enumerate(rows):
            model.objects.update_or_create(code=code, defaults={"name_nl": nl, "name_en": en, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("collectief", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
