"""The experience survey one municipality already uses (DESIGN, survey_responses.csv), and the
themes one organisation's annual report counts stories and open answers by."""

from django.db import migrations

ALL = ["resident", "youth", "parent"]
STATEMENTS = [
    ("op_gemak", "Ik voelde me op mijn gemak in de groep", ALL),
    ("geluisterd", "Er werd goed naar mij geluisterd", ALL),
    ("toepassen", "Ik pas toe wat ik heb geleerd van anderen in de groep", ALL),
    ("verder", "Ik kan weer goed verder door deelname aan deze groep", ALL),
    ("contact_buiten", "Ik heb contact met andere deelnemers van de groep buiten de groepsbijeenkomsten", ALL),
    ("wachttijd", "De wachttijd voor deze groep vond ik acceptabel", ALL),
    ("wist_waar", "Ik wist waar ik terecht kon met mijn vraag", ALL),
    ("meegedacht", "Ik heb meegedacht over wat we deden in de groep", ALL),
    ("geleerd", "Ik heb in de groep dingen geleerd waar ik wat aan heb", ["youth"]),
    ("gezin_geleerd", "Door mee te doen aan de groep hebben we als gezin dingen geleerd die ons helpen", ["parent"]),
    ("aanraden", "Ik zou deze groep aanraden aan anderen", ALL),
]
THEMES = [
    ("sociale_contacten", "Sociale contacten"),
    ("gezelligheid", "Gezelligheid en sfeer"),
    ("gesprekken", "Gesprekken voeren en delen"),
    ("grenzen", "Grenzen aangeven"),
    ("mentaal_welbevinden", "Mentaal welbevinden"),
    ("emotionele_steun", "Emotionele steun"),
    ("minder_eenzaam", "Minder eenzaam"),
    ("kwaliteiten", "Kwaliteiten inzetten"),
    ("bewegen", "Bewegen"),
    ("herkenning", "Herkenning bij anderen"),
    ("praktische_tips", "Praktische tips en kennis"),
    ("zelfvertrouwen", "Zelfvertrouwen"),
]


def seed(apps, schema_editor):
    Survey = apps.get_model("outcomes", "Survey")
    Statement = apps.get_model("outcomes", "Statement")
    ThemeTag = apps.get_model("outcomes", "ThemeTag")
    survey, _ = Survey.objects.get_or_create(code="ervaringwijzer", version=1, defaults={"name": "Ervaringwijzer"})
    for position, (code, text, types) in enumerate(STATEMENTS, start=1):
        Statement.objects.get_or_create(
            survey=survey, code=code, defaults={"text": text, "respondent_types": types, "position": position}
        )
    for code, name in THEMES:
        ThemeTag.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
