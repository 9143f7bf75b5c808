"""Every stateful object moves through the one workflow core (fupin.core.workflow, ADR 0017).

The registered tables are enumerated, and the source of the project is read (AST) for writes of a
registered state field anywhere but the core: an attribute assignment (``x.status = …``), a
``setattr``, a queryset ``update(status=…)`` and a ``save(update_fields=[…"status"…])``. Writes of a
field of the same name on a model that is not a workflow (a job's run state, a notice open or
taken down) are listed in ``OTHER_STATE_FIELDS`` with the model they belong to; any other write
fails the test, naming file and line. Creating a row in its first state is not a write.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

from fupin.core.workflow import MACHINES, StepLedger

ROOT = Path(__file__).resolve().parents[2]  # the fupin package
CORE = ROOT / "core" / "workflow.py"

# The objects issue 14 names, each with its state field.
EXPECTED = {
    "registry.Household": "status",
    "projects.Project": "status",
    "monitoring.MonitoringCase": "step",
    "measures.Measure": "status",
    "hotline.Ticket": "status",
    "crosscheck.Finding": "status",
    "plan.Finding": "status",
}

# (file relative to fupin/, the written expression) → the model it belongs to, which is not a workflow.
OTHER_STATE_FIELDS: dict[tuple[str, str], str] = {
    # A policy version is published once (draft → published): a flag, not a procedure.
    ("assessment/services.py", "version.status"): "assessment.PolicyVersion",
    ("assessment/services.py", "version.save(status=…)"): "assessment.PolicyVersion",
    # The job runner's own states (queued, running, failed, retried): machinery, claimed by compare and swap.
    ("core/jobs.py", "JobRun.objects.filter(pk=job_id, status=JobRun.Status.QUEUED).update(status=…)"): "core.JobRun",
    ("core/jobs.py", "JobRun.objects.filter(pk=job_id).update(status=…)"): "core.JobRun",
    ("core/jobs.py", "JobRun.objects.filter(pk__in=stale, status=JobRun.Status.RUNNING, "
                     "heartbeat_at__lt=cutoff).update(status=…)"): "core.JobRun",
    ("core/jobs.py", "JobRun.objects.filter(pk=job.pk, status=JobRun.Status.FAILED, retryable=True)"
                     ".update(status=…)"): "core.JobRun",
    # A notice is up or taken down, an objection open or resolved: the subject's step does that, once.
    ("notices/services.py", "Notice.objects.filter(pk=notice.pk, status=Notice.Status.OPEN).update(status=…)"):
        "notices.Notice",
    ("notices/services.py", "Objection.objects.filter(pk=objection.pk, status=Objection.Status.OPEN)"
                            ".update(status=…)"): "notices.Objection",
    # A plan task is open, finished by its reports, or retired by the office; a review draft or final.
    ("plan/editing.py", "task.status"): "plan.Task",
    ("plan/editing.py", "task.save(status=…)"): "plan.Task",
    ("plan/services.py", "Task.objects.filter(pk__in=finished, status=Task.Status.OPEN).update(status=…)"):
        "plan.Task",
    ("plan/demo.py", "Task.objects.filter(pk=pk).update(status=…)"): "plan.Task",
    ("plan/review.py", "review.status"): "plan.Review",
    ("plan/review.py", "review.save(status=…)"): "plan.Review",
}


def _receiver(node: ast.AST) -> str:
    return ast.unparse(node)


# Calls that write the keywords they are given: a queryset's update, and compare-and-swap helpers.
WRITING_CALLS = ("update", "cas", "_cas", "compare_and_swap")


def _dict_keys(node: ast.AST | None) -> set[str]:
    return {key.value for key in node.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)} \
        if isinstance(node, ast.Dict) else set()


def _callee(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def state_writes(tree: ast.AST, fields: set[str]) -> list[tuple[int, str]]:
    """(line, written expression) of every write of one of ``fields`` in a module."""
    found: list[tuple[int, str]] = []
    # Names bound to a dict literal holding a state key (``changes = {"status": …}``), later spread into a call.
    state_dicts = {t.id for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
                   and _dict_keys(node.value) & fields
                   for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for t in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    if isinstance(t, ast.Attribute) and t.attr in fields:
                        found.append((node.lineno, _receiver(t)))
        elif isinstance(node, ast.Call):
            name = _callee(node.func)
            if name == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                    and node.args[1].value in fields:
                found.append((node.lineno, f"setattr({_receiver(node.args[0])}, {node.args[1].value!r})"))
                continue
            writes = name in WRITING_CALLS
            written = {k.arg for k in node.keywords if writes and k.arg in fields}
            for k in node.keywords:
                if writes and k.arg is None and (_dict_keys(k.value) & fields
                                                 or (isinstance(k.value, ast.Name) and k.value.id in state_dicts)):
                    written |= _dict_keys(k.value) & fields or {f"**{_receiver(k.value)}"}
                if k.arg == "update_fields" and isinstance(k.value, (ast.List, ast.Tuple, ast.Set)):
                    written |= {e.value for e in k.value.elts if isinstance(e, ast.Constant) and e.value in fields}
            for f in sorted(written):
                found.append((node.lineno, f"{_receiver(node.func)}({f}=…)"))
    return sorted(found)


def source_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py")
                  if "tests" not in p.parts and "migrations" not in p.parts and p != CORE)


def test_every_named_object_has_a_registered_table_with_an_insert_only_ledger():
    assert {name: m.field for name, m in MACHINES.items()} == EXPECTED
    for name, machine in MACHINES.items():
        model = apps.get_model(name)
        assert machine.model is model
        assert model._meta.get_field(machine.field)
        assert issubclass(machine.ledger, StepLedger), name
        assert machine.ledger._meta.get_field(machine.subject).related_model is model, name
        assert machine.moves, name
        for move in machine.moves.values():
            assert move.sources and move.label, (name, move.action)


def test_the_scan_finds_every_kind_of_write():
    planted = ast.parse(
        "case.step = 'x'\n"
        "a.status, b = 1, 2\n"
        "setattr(t, 'status', 'closed')\n"
        "Ticket.objects.filter(pk=1).update(status='open')\n"
        "Project.objects.update(**{'status': 'x'})\n"
        "m.save(update_fields=['status', 'evidence'])\n"
        "_cas(ticket, status='answered')\n"
        "changes = {'status': target}\n"
        "Household.objects.filter(pk=1).update(**changes)\n"
        "Ticket.objects.create(status='open')\n"  # creation in a first state: not a write
        "Ticket(status='open')\n"
        "Ticket.objects.filter(status='open').count()\n")  # a read
    assert [line for line, _ in state_writes(planted, {"status", "step"})] == [1, 2, 3, 4, 5, 6, 7, 9]


def test_no_module_writes_a_state_field_outside_the_core():
    fields = {m.field for m in MACHINES.values()}
    offenders = []
    for path in source_files():
        relative = str(path.relative_to(ROOT))
        for line, written in state_writes(ast.parse(path.read_text(encoding="utf-8")), fields):
            if (relative, written) not in OTHER_STATE_FIELDS:
                offenders.append(f"fupin/{relative}:{line}: {written}")
    assert offenders == [], "state written outside fupin/core/workflow.py:\n" + "\n".join(offenders)


def test_the_exemptions_are_real_and_name_models_that_are_not_workflows():
    fields = {m.field for m in MACHINES.values()}
    for (relative, written), model in OTHER_STATE_FIELDS.items():
        assert model not in MACHINES, model
        apps.get_model(model)
        writes = {w for _line, w in state_writes(ast.parse((ROOT / relative).read_text(encoding="utf-8")), fields)}
        assert written in writes, f"stale exemption: {relative}: {written}"
