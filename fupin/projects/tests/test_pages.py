"""The staff pages and the public section, through the Django test client."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from fupin.notices.models import Notice, Objection
from fupin.projects.models import AssetPayout, Project, ProjectStep, PublicSubmission
from fupin.projects.services import beneficiary_add
from fupin.projects.tests.factories import advance, allocate, pay, proposed, unit
from fupin.projects.tests.test_workflow import state
from fupin.registry.models import Member

pytestmark = pytest.mark.usefixtures("policy")
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def library(areas, households):
    dept = unit(areas.county)
    done = advance(proposed(areas.village_a1, dept, name="甲村光伏电站", year=timezone.localdate().year,
                            households=[households["a1"]]), "accepted")
    running = proposed(areas.village_a2, dept, name="乙村道路硬化", ago=2)
    return {"done": done, "running": running}


def test_an_officer_takes_a_step_on_the_page_and_a_refusal_is_shown(areas, personas, library):
    client = signed_in(personas.officer)
    project = library["done"]
    page = client.get(f"/projects/{project.pk}/")
    assert page.status_code == 200 and "甲村光伏电站" in page.content.decode()
    response = client.post(f"/projects/{project.pk}/pay/", {"amount": "999999", "source": "central",
                                                            "payee": "contractor", "payee_name": "漯河建工"},
                           follow=True)
    assert "追加批复" in response.content.decode()
    assert ProjectStep.objects.filter(project=project, action="pay").count() == 1
    client.post(f"/projects/{project.pk}/settle/", {"note": "报账"})
    project.refresh_from_db()
    assert project.status == "settled"


def test_a_step_from_a_wrong_state_answers_409_wrong_state_on_the_page_and_in_the_api(areas, personas, library):
    """The workflow core's one wrong-state refusal, in the sequence's words (先验收、再报账): 409, code
    WRONG_STATE, the reason in the viewer's language, nothing changed."""
    client = signed_in(personas.officer)
    project = library["running"]  # proposed
    before = state(project)
    page = client.post(f"/projects/{project.pk}/settle/", {"note": "报账"})
    assert (page.status_code, page["X-Fupin-Error"]) == (409, "WRONG_STATE")
    assert "项目尚未竣工验收（当前为「村级申报」），不能报账：先验收、再报账" in page.content.decode()
    english = client.post(f"/projects/{project.pk}/settle/", {"note": "报账"}, HTTP_ACCEPT_LANGUAGE="en")
    assert (english.status_code, english["X-Fupin-Error"]) == (409, "WRONG_STATE")
    assert "the project has not been accepted (PROPOSED): no settlement before acceptance" in english.content.decode()
    api = client.post(f"/api/v1/projects/{project.pk}/steps", {"action": "settle", "seen_status": "proposed"})
    assert (api.status_code, api.json()["code"]) == (409, "WRONG_STATE")
    assert state(project) == before


def test_a_village_cadre_proposes_on_the_page(areas, personas, households):
    client = signed_in(personas.cadre_a1)
    dept = unit(areas.county)
    data = {"year": 2026, "name": "甲村养殖小区", "category": "industry", "nature": "new", "area": areas.village_a1.pk,
            "department": dept.pk, "planned_start": "2026-12-01", "planned_end": "2027-06-30", "tasks": "建设圈舍",
            "budget_central": "200000", "benefit_mechanism": "入股分红", "performance_targets": "",
            "households": "H-A1-0001"}
    response = client.post("/projects/new/", data, follow=True)
    assert "绩效目标" in response.content.decode() and not Project.objects.filter(name="甲村养殖小区").exists()
    response = client.post("/projects/new/", {**data, "performance_targets": "带动 20 户增收"})
    project = Project.objects.get(name="甲村养殖小区")
    assert response.status_code == 302 and project.beneficiaries.get().household == households["a1"]
    assert Notice.objects.filter(kind="project_village", subject_id=project.pk).exists()


def test_progress_page_and_the_monthly_excel_report(areas, personas, library):
    project = library["done"]
    client = signed_in(personas.officer)
    today = timezone.localdate()
    page = client.get("/projects/progress/")
    assert page.status_code == 200 and "甲村光伏电站" in page.content.decode()
    response = client.get(f"/projects/progress/report/?year={today.year}&month={today.month}")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["资金来源汇总", "项目明细", "预警"]
    detail = [row for row in book["项目明细"].iter_rows(values_only=True) if row[0] == project.number]
    assert detail and detail[0][9] == 200000.0  # 累计支出: the payment of the path, 40 days ago
    total = next(row for row in book["资金来源汇总"].iter_rows(values_only=True) if row[0] == "合计")
    assert total[1] == 400000.0


def test_idle_funds_show_on_the_progress_page(areas, personas):
    project = advance(proposed(areas.village_a1, unit(areas.county), name="滞留项目", ago=200), "approved", shift=30)
    allocate(project, "12345", ago=80)
    body = signed_in(personas.officer).get("/projects/progress/").content.decode()
    assert "12,345.00" in body


def test_assets_and_payouts_reach_the_household_file(areas, personas, households, library):
    client = signed_in(personas.officer)
    project = library["done"]
    client.post(f"/projects/{project.pk}/assets/", {"name": "光伏板", "kind": "operating", "value": "300000",
                                                    "owner": "甲村村集体", "custodian": "甲村村委会",
                                                    "formed_on": "2026-01-01"})
    asset = project.assets.get()
    client.post(f"/projects/assets/{asset.pk}/payouts/", {"household_no": "H-A1-0001", "year": 2026,
                                                          "amount": "800", "paid_on": "2026-01-20"})
    payout = AssetPayout.objects.get()
    assert (payout.household, payout.amount) == (households["a1"], Decimal("800.00"))
    dossier = client.get(f"/registry/households/{households['a1'].pk}/").content.decode()
    assert "光伏板" in dossier and "800.00" in dossier and "甲村光伏电站" in dossier


def test_the_public_section_needs_no_sign_in_and_masks_ids(areas, households, library):
    client = Client()
    ids = list(Member.objects.values_list("id_number", flat=True))
    pages = ["/public/", "/public/projects/", "/public/plans/", "/public/notices/",
             f"/public/projects/{library['done'].pk}/"]
    pages += [f"/public/notices/{n.pk}/" for n in Notice.objects.filter(subject_type="projects.project")]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert not FULL_ID.search(body), path
        assert not any(i in body for i in ids), path
        assert "12317" in body
    detail = client.get(f"/public/projects/{library['done'].pk}/").content.decode()
    head = Member.objects.get(household=households["a1"], relation="head")
    assert head.id_number[:4] + "*" * 10 + head.id_number[-4:] in detail
    assert head.name not in detail and "H-A1-0001" not in detail, "no other personal data"
    # proposals are not in the library yet; they are public through their notices
    assert client.get(f"/public/projects/{library['running'].pk}/").status_code == 404
    assert "乙村道路硬化" in client.get("/public/notices/").content.decode()


def test_the_public_pages_show_no_household_notices(areas, households, library):
    from fupin.notices.services import notice_publish

    exit_notice = notice_publish(kind=Notice.Kind.EXIT, area=areas.village_a1, title="张三户退出公示", actor=None,
                                 starts_on=timezone.localdate(), days=7)
    assert "张三户退出公示" not in Client().get("/public/notices/").content.decode()
    assert Client().get(f"/public/notices/{exit_notice.pk}/").status_code == 404


def test_a_member_of_the_public_objects_and_it_reaches_the_unit(areas, personas, library, settings):
    settings.FUPIN_PUBLIC_OBJECTIONS_PER_HOUR = 2
    notice = Notice.objects.get(kind="project_village", subject_id=library["running"].pk)
    client = Client()
    url = f"/public/notices/{notice.pk}/objection/"
    client.post(url, {"text": "道路选址不合理", "raised_by_name": "王五", "contact": "13800001111"})
    objection = Objection.objects.get()
    assert (objection.channel, objection.notice, objection.recorded_by) == ("web", notice, None)
    assert PublicSubmission.objects.count() == 1 and "127.0.0.1" not in PublicSubmission.objects.get().sender
    client.post(url, {"text": "第二条"})
    response = client.post(url, {"text": "第三条"}, follow=True)
    assert Objection.objects.count() == 2 and "12317" in response.content.decode()
    client.post(url, {"text": "机器人", "website": "http://spam"}, REMOTE_ADDR="10.0.0.9")
    assert Objection.objects.count() == 2, "the hidden field drops scripted posts"
    unit_page = signed_in(personas.officer).get("/projects/objections/").content.decode()
    assert "道路选址不合理" in unit_page and "乙村道路硬化" in unit_page
    # the objection halts the township review until resolved
    from fupin.core.errors import TransitionRefused
    from fupin.projects.services import project_step
    from fupin.projects.tests.factories import days_ago
    with pytest.raises(TransitionRefused):
        project_step(library["running"], "township_review", actor=None, when=days_ago(0))


def test_an_ended_notice_takes_no_public_objection(areas, library):
    notice = Notice.objects.get(kind="project_village", subject_id=library["done"].pk)
    Client().post(f"/public/notices/{notice.pk}/objection/", {"text": "太晚了"})
    assert not Objection.objects.exists()


def test_beneficiary_payments_are_spending(areas, households, library):
    project = library["done"]
    beneficiary_add(project, household=households["a1"], actor=None) if not project.beneficiaries.exists() else None
    pay(project, "500", ago=0, payee="beneficiary", household=households["a1"])
    assert ProjectStep.objects.filter(project=project, payee="beneficiary").get().is_spending


def test_the_report_command_writes_the_workbook(areas, library, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "report.xlsx"
    today = timezone.localdate()
    call_command("project_report", year=today.year, month=today.month, output=target, stdout=io.StringIO())
    assert load_workbook(target).sheetnames == ["资金来源汇总", "项目明细", "预警"]
    with pytest.raises(SystemExit) as info:
        call_command("project_report", year=today.year, month=13, output=target, stdout=io.StringIO(),
                     stderr=io.StringIO())
    assert info.value.code == 2


def test_an_objection_reaches_the_responsible_unit_and_no_other(areas, personas, library):
    from fupin.notices.services import objection_raise

    school = proposed(areas.village_a1, unit(areas.county, "education"), name="甲村学校改造", ago=1)
    for project, text in ((school, "学校选址异议"), (library["running"], "道路异议")):
        notice = Notice.objects.get(kind="project_village", subject_id=project.pk)
        objection_raise(notice, text=text, actor=None)
    page = signed_in(personas.department).get("/projects/objections/").content.decode()  # 区教体局
    assert "学校选址异议" in page and "道路异议" not in page
    county = signed_in(personas.officer).get("/projects/objections/").content.decode()
    assert "学校选址异议" in county and "道路异议" in county


def test_a_withdrawn_proposal_s_notice_reads_taken_down_in_public(areas, personas, library):
    from fupin.projects.services import StepInput, project_step

    project_step(library["running"], "withdraw", actor=personas.officer, data=StepInput(note="群众意见不一致"))
    notice = Notice.objects.get(kind="project_village", subject_id=library["running"].pk)
    body = Client().get(f"/public/notices/{notice.pk}/").content.decode()
    assert "已撤下" in body and "提交异议" not in body
