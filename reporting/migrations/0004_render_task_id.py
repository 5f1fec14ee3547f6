from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_note_check_and_approver_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="quarterlyreport",
            name="render_task_id",
            field=models.CharField(blank=True, max_length=255, verbose_name="generation task"),
        ),
    ]
