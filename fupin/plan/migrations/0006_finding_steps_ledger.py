"""A finding's steps become a workflow ledger (fupin.core.workflow.StepLedger): each row says the state it
left and the state it reached, filled in here for the rows already written (their action tells both)."""

from django.db import migrations, models

STATES = [("open", "待整改"), ("rectified", "已整改待核验"), ("verified", "核验通过")]
MOVES = {"rectify": ("open", "rectified"), "accept": ("rectified", "verified"), "reject": ("rectified", "open")}


def fill_states(apps, schema_editor):
    FindingStep = apps.get_model("plan", "FindingStep")
    for action, (source, target) in MOVES.items():
        FindingStep.objects.filter(action=action).update(from_state=source, to_state=target)


class Migration(migrations.Migration):

    dependencies = [
        ("plan", "0005_plan_edited_in_the_ui"),
    ]

    operations = [
        migrations.AddField(
            model_name="findingstep",
            name="from_state",
            field=models.CharField(choices=STATES, default="", max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="findingstep",
            name="to_state",
            field=models.CharField(choices=STATES, default="", max_length=10),
            preserve_default=False,
        ),
        migrations.RunPython(fill_states, migrations.RunPython.noop),
    ]
