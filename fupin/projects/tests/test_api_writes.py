"""Proposing a project and taking every later step over the API: the same services as the pages, so the
same capability, area and unit checks, the same refusals with their codes, and nothing changed on refusal.

The sequence runs in real calendar order with the clock moved (time-machine): notices must run their
ten days between the steps, and the quality deposit its twelve months."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from fupin.accounts.models import Department
from fupin.accounts.roles import Role
from fupin.core.models import AuditEntry
from fupin.core.testing import make_user
from fupin.notices.models import Notice
from fupin.projects.models import Asset, AssetPayout, Beneficiary, Project, ProjectAttachment, ProjectStep
from fupin.projects.services import StepInput, project_step
from fupin.projects.tests.factories import advance, proposed, unit

pytestmark = pytest.mark.usefixtures("policy")
# From tomorrow on (the personas' assignments start today), 10:00 in Shanghai: the local date is the UTC date.
START = datetime.combine(timezone.localdate() + timedelta(days=1), time(2, 0), tzinfo=UTC)
ACCEPTED = START.date() + timedelta(days=50)
DUE = ACCEPTED + relativedelta(months=12)  # the shipped warranty: twelve months from the acceptance


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}


def on(day: int) -> Any:
    """The clock stopped ``day`` days after START."""
    return time_machine.travel(START + timedelta(days=day), tick=False)


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)  # a new session at the travelled time (an old one would have expired)
    return client


def state() -> dict[str, Any]:
    """Everything a refused request might have touched."""
    return {"projects": list(Project.objects.order_by("pk").values()),
            "steps": list(ProjectStep.objects.order_by("pk").values()),
            "notices": list(Notice.objects.order_by("pk").values("pk", "status")),
            "beneficiaries": Beneficiary.objects.count(), "assets": Asset.objects.count(),
            "payouts": AssetPayout.objects.count(), "files": ProjectAttachment.objects.count(),
            "audit": AuditEntry.objects.count()}


def refused(user: Any, path: str, data: dict[str, Any], status: int, code: str, *, json: bool = False) -> str:
    client = client_of(user)  # signing in is audited: before the snapshot
    before = state()
    response = (client.post(path, data, content_type="application/json") if json else client.post(path, data))
    assert (response.status_code, response.json()["code"]) == (status, code), response.content[:400]
    assert state() == before, f"a refused {path} changed something"
    message: str = response.json()["message"]
    return message


def proposal(**overrides: Any) -> dict[str, Any]:
    return {"year": START.year, "name": "甲村小学改造", "category": "education", "nature": "renovation",
            "department_code": "education", "planned_start": str(START.date() + timedelta(days=30)),
            "planned_end": str(START.date() + timedelta(days=200)),
            "tasks": "改造教学楼 1 栋", "benefit_mechanism": "保障贫困家庭子女就近入学",
            "performance_targets": "校舍安全达标率 100%", "location": "甲村东组",
            "budget_central": "300000", "budget_district": "100000", **overrides}


def step(user: Any, project: Project, action: str, **data: Any) -> Any:
    return client_of(user).post(f"/api/v1/projects/{project.pk}/steps", {"action": action, **data})


def test_a_project_goes_the_whole_way_over_the_api(areas, personas, households):
    p = personas
    village = areas.village_a1
    with on(0):
        plan = SimpleUploadedFile("村民代表会议记录.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
        response = client_of(p.cadre_a1).post(f"/api/v1/projects/areas/{village.pk}/proposals",
                                              {**proposal(), "households": ["H-A1-0001"], "files": [plan]})
        assert response.status_code == 201, response.content[:400]
        body = response.json()
        project = Project.objects.get(pk=body["id"])
        assert (body["status"], body["budget_total"], body["department"]) == ("proposed", "400000.00", "区教体局")
        assert [b["household_no"] for b in body["beneficiaries"]] == ["H-A1-0001"]
        assert project.created_by == p.cadre_a1 and project.performance_targets == "校舍安全达标率 100%"
        village_notice = Notice.objects.get(subject_id=project.pk, kind="project_village")
        assert village_notice.area == village and body["notice_ids"] == [village_notice.pk]
        assert ProjectAttachment.objects.get().original_name == "村民代表会议记录.pdf"
        # 先启动、再拨付: no payment before the start, whoever asks
        message = refused(p.officer, f"/api/v1/projects/{project.pk}/steps",
                          {"action": "pay", "amount": "1000", "source": "central", "payee": "contractor",
                           "payee_name": "漯河建工"}, 409, "WRONG_STATE")
        assert "先启动、再拨付" in message
    with on(9):  # the village notice's tenth and last day
        assert "公示期" in refused(p.township_a, f"/api/v1/projects/{project.pk}/steps",
                                   {"action": "township_review"}, 409, "NOTICE_RUNNING")
    with on(10):
        assert step(p.township_a, project, "township_review").json()["to_state"] == "township_reviewed"
    with on(20):
        assert step(p.officer, project, "county_approve").status_code == 201
        assert step(p.officer, project, "approve").json()["to_state"] == "approved"
        assert step(p.officer, project, "allocate", amount="400000", source="central").status_code == 201
        assert "先启动、再拨付" in refused(
            p.officer, f"/api/v1/projects/{project.pk}/steps",
            {"action": "pay", "amount": "1000", "source": "central", "payee": "contractor", "payee_name": "x"},
            409, "WRONG_STATE")
    with on(30):
        refused(p.cadre_a1, f"/api/v1/projects/{project.pk}/steps", {"action": "start"}, 403, "FORBIDDEN")
        assert step(p.department, project, "start").json()["to_state"] == "started"  # 区教体局, the unit
        assert "先验收、再报账" in refused(p.officer, f"/api/v1/projects/{project.pk}/steps", {"action": "settle"}, 409,
                                         "WRONG_STATE")
    with on(40):
        paid = step(p.officer, project, "pay", amount="380000", source="central", payee="contractor",
                    payee_name="漯河建工")
        assert paid.status_code == 201 and paid.json()["amount"] == "380000.00"
    with on(50):
        report = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 acceptance", content_type="application/pdf")
        accepted = step(p.department, project, "accept", note="验收合格", files=[report])
        assert accepted.json()["to_state"] == "accepted" and accepted.json()["attachments"][0]["name"] == "验收报告.pdf"
        refused(p.cadre_a1, f"/api/v1/projects/{project.pk}/beneficiaries", {"household_no": "H-A1-0001"}, 422,
                "BAD_INPUT", json=True)  # already a beneficiary
        asset = client_of(p.officer).post(f"/api/v1/projects/{project.pk}/assets", {
            "name": "教学楼", "kind": "public_welfare", "value": "400000", "owner": "甲村村集体",
            "custodian": "甲村小学", "formed_on": str(ACCEPTED)}, content_type="application/json")
        assert asset.status_code == 201 and asset.json()["kind"] == "public_welfare"
    with on(60):
        settled = step(p.officer, project, "settle", note="报账资料齐全")
        assert settled.json()["amount"] == "20000.00"  # 380 000 paid is 95 % of a 400 000 contract: 5 % retained
        detail = client_of(p.auditor).get(f"/api/v1/projects/{project.pk}").json()
        assert (detail["status"], detail["spent"], detail["deposit"], detail["deposit_due"]) == (
            "settled", "380000.00", "20000.00", str(DUE))
        assert detail["actions"] == [] and detail["deposit_released_on"] is None
        assert "release" in client_of(p.officer).get(f"/api/v1/projects/{project.pk}").json()["actions"]
        release = {"action": "release", "source": "central", "payee_name": "漯河建工"}
        assert str(DUE) in refused(p.officer, f"/api/v1/projects/{project.pk}/steps", release, 409, "DEPOSIT_NOT_DUE")
    with on((DUE - START.date()).days - 1):  # the warranty's last day
        refused(p.officer, f"/api/v1/projects/{project.pk}/steps", release, 409, "DEPOSIT_NOT_DUE")
    with on((DUE - START.date()).days):  # the warranty has ended
        refused(p.department, f"/api/v1/projects/{project.pk}/steps", release, 403, "FORBIDDEN")
        released = step(p.officer, project, **release)
        assert released.status_code == 201, released.content
        assert (released.json()["amount"], released.json()["payee"]) == ("20000.00", "contractor")
        detail = client_of(p.officer).get(f"/api/v1/projects/{project.pk}").json()
        assert (detail["spent"], detail["deposit_released_on"]) == ("400000.00", str(DUE))
        refused(p.officer, f"/api/v1/projects/{project.pk}/steps", release, 409, "DEPOSIT_RELEASED")
    actions = list(ProjectStep.objects.filter(project=project).order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["propose", "township_review", "county_approve", "approve", "allocate", "start", "pay",
                       "accept", "settle", "release"]


def test_no_target_no_entry_and_other_refused_proposals_write_nothing(areas, personas, households):
    p = personas
    path = f"/api/v1/projects/areas/{areas.village_a1.pk}/proposals"
    message = refused(p.cadre_a1, path, proposal(performance_targets=""), 422, "NO_TARGETS")
    assert "绩效目标" in message
    refused(p.cadre_a1, path, proposal(performance_targets="   "), 422, "NO_TARGETS")
    refused(p.cadre_a1, path, proposal(budget_central="", budget_district=""), 422, "BAD_INPUT")
    refused(p.cadre_a1, path, proposal(planned_end="2000-01-01"), 422, "BAD_INPUT")
    refused(p.cadre_a1, path, proposal(department_code="no-such-unit"), 422, "BAD_INPUT")
    refused(p.cadre_a1, path, {**proposal(), "households": ["H-B1-0001"]}, 422, "BAD_INPUT")  # another village's
    refused(p.auditor, path, proposal(), 403, "FORBIDDEN")
    refused(p.department, path, proposal(), 403, "FORBIDDEN")
    refused(p.cadre_a1, f"/api/v1/projects/areas/{areas.village_b1.pk}/proposals", proposal(), 404, "NOT_FOUND")
    refused(p.cadre_a1, f"/api/v1/projects/areas/{areas.town_a.pk}/proposals", proposal(), 404, "NOT_FOUND")
    schema = client_of(p.cadre_a1).post(path, {"name": "缺字段"})
    assert schema.status_code == 422 and schema.json()["code"] == "INVALID"
    assert not Project.objects.exists()
    created = client_of(p.township_a).post(f"/api/v1/projects/areas/{areas.town_a.pk}/proposals", proposal())
    assert created.status_code == 403, "a township reviews proposals; it does not make them"


def test_the_county_s_steps_over_the_api_adjust_reapprove_withdraw(areas, personas):
    p = personas
    dept = unit(areas.county, "education")
    early = proposed(areas.village_a1, dept, ago=5)
    refused(p.officer, f"/api/v1/projects/{early.pk}/steps", {"action": "adjust", "note": "调整"}, 422, "BAD_INPUT")
    refused(p.officer, f"/api/v1/projects/{early.pk}/steps", {"action": "withdraw"}, 409, "NOTE_REQUIRED")
    adjusted = step(p.officer, early, "adjust", note="四季度调整", year="2026", budget_central="350000")
    assert adjusted.status_code == 201
    early.refresh_from_db()
    assert (early.year, early.budget_central, early.budget_total) == (2026, Decimal("350000.00"), Decimal("450000.00"))
    assert step(p.officer, early, "withdraw", note="群众意见不一致").json()["to_state"] == "withdrawn"

    running = advance(proposed(areas.village_a1, dept), "started")
    refused(p.officer, f"/api/v1/projects/{running.pk}/steps",
            {"action": "pay", "amount": "450000", "source": "central", "payee": "contractor", "payee_name": "x"},
            409, "OVERSPEND")
    refused(p.officer, f"/api/v1/projects/{running.pk}/steps",
            {"action": "reapprove", "amount": "300000", "note": "追加"}, 409, "REAPPROVE_LOWER")
    assert step(p.officer, running, "reapprove", amount="500000", note="追加建设内容").json()["amount"] == "500000.00"
    assert step(p.officer, running, "pay", amount="450000", source="central", payee="contractor",
                payee_name="漯河建工").status_code == 201


def test_beneficiaries_assets_and_payouts_over_the_api(areas, personas, households):
    p = personas
    project = advance(proposed(areas.village_a1, unit(areas.county)), "started")
    path = f"/api/v1/projects/{project.pk}/beneficiaries"
    refused(p.department, path, {"household_no": "H-A1-0001"}, 403, "FORBIDDEN", json=True)
    refused(p.cadre_a1, path, {"household_no": "H-B1-0001"}, 422, "BAD_INPUT", json=True)
    added = client_of(p.cadre_a1).post(path, {"household_no": "H-A1-0001", "benefit": "务工"},
                                       content_type="application/json")
    assert added.status_code == 201 and added.json()["benefit"] == "务工"
    assert "*" in added.json()["head_id_masked"]
    asset = {"name": "光伏板", "kind": "operating", "value": "300000", "owner": "甲村村集体", "custodian": "甲村村委会",
             "formed_on": "2025-06-01"}
    assert refused(p.officer, f"/api/v1/projects/{project.pk}/assets", asset, 409, "ASSET_NOT_YET", json=True)
    project_step(project, "accept", actor=None)
    made = client_of(p.officer).post(f"/api/v1/projects/{project.pk}/assets", asset, content_type="application/json")
    assert made.status_code == 201
    payout = {"household_no": "H-A1-0001", "year": 2025, "amount": "800", "paid_on": str(timezone.localdate())}
    path = f"/api/v1/projects/assets/{made.json()['id']}/payouts"
    refused(p.cadre_a1, path, payout, 403, "FORBIDDEN", json=True)
    paid = client_of(p.officer).post(path, payout, content_type="application/json")
    assert paid.status_code == 201 and paid.json() == {"year": 2025, "household_no": "H-A1-0001",
                                                       "amount": "800.00", "paid_on": payout["paid_on"]}
    refused(p.officer, path, payout, 422, "BAD_INPUT", json=True)  # once a year


def test_another_unit_s_officer_may_not_start_or_accept(areas, personas):
    water = Department.objects.create(code="water", name="区水利局", area=areas.county)
    other = make_user("dept_water", Role.DEPARTMENT_OFFICER, areas.county, department=water)
    project = advance(proposed(areas.village_a1, unit(areas.county, "education")), "approved")
    refused(other, f"/api/v1/projects/{project.pk}/steps", {"action": "start"}, 403, "FORBIDDEN")
    assert step(personas.department, project, "start").status_code == 201
    refused(other, f"/api/v1/projects/{project.pk}/steps", {"action": "accept"}, 403, "FORBIDDEN")
    project.refresh_from_db()
    project_step(project, "accept", actor=personas.department, data=StepInput(note="验收"))
    assert project.status == "accepted"
