"""``fupin seed-demo`` fills the projects module: every stage, money, both alerts, public notices, assets."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fupin.notices.models import Objection
from fupin.projects.models import Asset, AssetPayout, Project, ProjectStep
from fupin.projects.selectors import behind_schedule, idle_funds, public_notices
from fupin.site.demo import seed_demo


@pytest.mark.django_db
def test_seed_demo_fills_the_projects_module_quickly_and_again(areas):
    from fupin.site.reference import seed_reference

    seed_reference()
    seed_demo(households=300, seed=7)
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
    first = sorted(projects.values_list("name", "status"))
    seed_demo(households=300, seed=7)  # a re-run replaces the demo projects
    assert sorted(Project.objects.values_list("name", "status")) == first
