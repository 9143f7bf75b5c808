"""A ticket's steps become a workflow ledger (fupin.core.workflow.StepLedger): ``kind`` is now ``action``,
and each row says the state it left and the state it reached, filled in here for the rows already
written by replaying each ticket's steps in order."""

from django.db import migrations, models

STATES = [("open", "办理中"), ("answered", "已答复待回访"), ("closed", "已办结")]
REACHES = {"received": "open", "replied": "answered", "closed": "closed", "reopened": "open"}  # others: the same
BATCH = 2000


def replay(apps, schema_editor):
    TicketStep = apps.get_model("hotline", "TicketStep")
    changed, ticket, state = [], None, None
    for step in TicketStep.objects.order_by("ticket_id", "at", "pk").only("pk", "ticket_id", "action").iterator():
        if step.ticket_id != ticket:
            ticket, state = step.ticket_id, None
        step.from_state = state if step.action != "received" else None
        state = REACHES.get(step.action, state or "open")
        step.to_state = state
        changed.append(step)
        if len(changed) >= BATCH:
            TicketStep.objects.bulk_update(changed, ["from_state", "to_state"])
            changed = []
    TicketStep.objects.bulk_update(changed, ["from_state", "to_state"])


class Migration(migrations.Migration):

    dependencies = [
        ("hotline", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="ticketstep", name="ticket_step_transfer_has_reason"),
        migrations.RemoveIndex(model_name="ticketstep", name="hotline_tic_kind_834065_idx"),
        migrations.RenameField(model_name="ticketstep", old_name="kind", new_name="action"),
        migrations.AddField(
            model_name="ticketstep",
            name="from_state",
            field=models.CharField(blank=True, choices=STATES, max_length=10, null=True, verbose_name="原状态"),
        ),
        migrations.AddField(
            model_name="ticketstep",
            name="to_state",
            field=models.CharField(choices=STATES, default="open", max_length=10, verbose_name="新状态"),
            preserve_default=False,
        ),
        migrations.RunPython(replay, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="ticketstep",
            index=models.Index(fields=["action", "at"], name="hotline_tic_action_f8404d_idx"),
        ),
        migrations.AddConstraint(
            model_name="ticketstep",
            constraint=models.CheckConstraint(condition=~models.Q(action="transferred") | ~models.Q(note=""),
                                              name="ticket_step_transfer_has_reason"),
        ),
    ]
