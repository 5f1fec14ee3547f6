from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Name similarity for the duplicate check needs pg_trgm and unaccent."""

    dependencies = [("participants", "0001_initial")]
    operations = [TrigramExtension(), UnaccentExtension()]
