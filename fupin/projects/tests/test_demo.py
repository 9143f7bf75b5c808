"""``fupin seed-demo`` fills the projects module: every stage, money, both alerts, public notices, assets.
(Seeding again gives the same projects: fupin/site/tests/test_demo_again.py.)"""

from __future__ import annotations

from django.utils import timezone

from fupin.accounts.models import User
from fupin.notices.models import Objection
from fupin.projects.models import Asset, AssetPayout, Project, ProjectStep
from fupin.projects.selectors import behind_schedule, deposits_overdue, idle_funds, project_objections, public_notices
from fupin.projects.services import deposit_released_on, may_resolve_objection


def test_seed_demo_fills_the_projects_module(demo_county):
    statuses = set(Project.objects.values_list("status", flat=True))
    assert statuses >= {"proposed", "township_reviewed", "planned", "approved", "started", "accepted", "settled"}
    assert ProjectStep.objects.filter(action="pay", payee="contractor").exists()
    assert ProjectStep.objects.filter(action="pay", payee="beneficiary").exists()
    assert ProjectStep.objects.filter(action="reapprove").exists()
    projects = Project.objects.all()
    assert [i.project.name for i in idle_funds(projects)] == [p.name for p in projects if "冷链" in p.name]
    assert {b.code for b in behind_schedule(projects)} == {"DELAYED_START", "DELAYED_COMPLETION"}
    kinds = set(public_notices(on=timezone.localdate()).values_list("kind", flat=True))
    assert kinds >= {"project_village", "project_township", "project_prestart", "project_completion"}
    assert Objection.objects.filter(channel="web").exists()
    assert set(Asset.objects.values_list("kind", flat=True)) == {"operating", "public_welfare", "household"}
    assert AssetPayout.objects.exists()
    # quality deposits: one held in its warranty, one released after it, one held past its day (the alert)
    today = timezone.localdate()
    deposits = [(p.deposit_due or today, deposit_released_on(p.pk)) for p in projects.filter(deposit__gt=0)]
    assert any(due > today and released is None for due, released in deposits)
    assert any(released is not None and released >= due for due, released in deposits)
    assert [d.project.name[-8:] for d in deposits_overdue(projects)] == ["村组道路安防工程"]
    # an objection for the demo 区教体局 officer to answer
    officer = User.objects.get(username="demo_education")
    open_rows = [(o, p) for o, p in project_objections(officer) if o.is_pending and p is not None]
    assert [p.department.code for _o, p in open_rows] == ["education"]
    assert all(may_resolve_objection(officer, p, o.notice) for o, p in open_rows)
