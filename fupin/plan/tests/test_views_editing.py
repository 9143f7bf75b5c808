"""The pages for editing the plan: the office creates a plan, adds measures, sub-items and tasks, edits, reorders,
retires; a refusal shows the rule beside its field (400) and writes nothing; only the office gets in."""

from __future__ import annotations

from django.test import Client

from fupin.plan.models import Measure, Plan, Task


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _units(small_plan) -> dict[str, int]:
    return {"education": small_plan.education.pk, "water": small_plan.water.pk, "town_a": small_plan.town_a.pk}


def test_the_office_creates_a_plan_and_fills_it_through_the_pages(small_plan):
    client, unit = _client(small_plan.personas.officer), _units(small_plan)
    assert "新建规划" in client.get("/plan/plans/").content.decode()
    response = client.post("/plan/plans/new/", {"title": "巩固拓展脱贫攻坚成果方案", "code": "consolidation",
                                                "starts_year": 2021, "ends_year": 2023, "issuer": "", "issued_on": ""})
    assert response.status_code == 302 and response["Location"] == "/plan/plans/consolidation/"
    response = client.post("/plan/plans/consolidation/measures/new/", {
        "code": "1", "label": "一", "title": "产业帮扶", "text": "发展特色种养业", "leads": [unit["education"]],
        "cooperating": [unit["water"], unit["town_a"]]})
    assert response.status_code == 302
    assert client.post("/plan/plans/consolidation/measures/new/?parent=1", {
        "code": "1.1", "title": "产业奖补", "leads": [unit["town_a"]]}).status_code == 302
    form = client.get("/plan/plans/consolidation/tasks/new/?measure=1.1")
    assert form.context["form"].initial == {"code": "1.1-1", "lead": unit["town_a"]}
    response = client.post("/plan/plans/consolidation/tasks/new/?measure=1.1", {
        "code": "1.1-1", "title": "脱贫村主导产业全覆盖", "target": "100%", "deadline": "2022-12-31",
        "lead": unit["town_a"], "cooperating": [unit["education"]]})
    assert response.status_code == 302
    plan = Plan.objects.get(code="consolidation")
    task = Task.objects.get(plan=plan, code="1.1-1")
    assert (getattr(task.measure, "code", None), task.lead, task.target, list(task.cooperating.all())) == (
        "1.1", small_plan.town_a, "100%", [small_plan.education])
    manage = client.get("/plan/plans/consolidation/").content.decode()
    assert "产业帮扶" in manage and "产业奖补" in manage and "脱贫村主导产业全覆盖" in manage and "目标：100%" in manage
    overview = client.get("/plan/?plan=consolidation").content.decode()
    assert "巩固拓展脱贫攻坚成果方案" in overview and "脱贫村主导产业全覆盖" in overview
    listing = client.get("/plan/plans/").content.decode()
    assert "巩固拓展脱贫攻坚成果方案" in listing and "2021—2023" in listing


def test_a_refused_edit_shows_the_rule_beside_its_field_and_writes_nothing(small_plan):
    client, unit = _client(small_plan.personas.officer), _units(small_plan)
    response = client.post("/plan/plans/new/", {"title": "重复", "code": "small", "starts_year": 2021, "ends_year": 2023})
    assert response.status_code == 400
    assert "规划代码“small”已被“小规划”使用" in str(response.context["form"].errors["code"])
    response = client.post("/plan/plans/small/measures/new/", {
        "code": "3", "title": "两种责任", "leads": [unit["water"]], "cooperating": [unit["water"]]})
    assert response.status_code == 400
    assert "“区水利局”不能同时是牵头单位和协同单位" in str(response.context["form"].errors["cooperating"])
    response = client.post("/plan/plans/small/tasks/new/?measure=2", {
        "code": "2-9", "title": "超期任务", "deadline": "2021-06-30", "lead": unit["water"]})
    assert response.status_code == 400
    assert "不在规划期（2018—2019 年）内" in response.content.decode()
    response = client.post("/plan/plans/small/", {"title": "小规划", "starts_year": 2018, "ends_year": 2018})
    assert response.status_code == 400 and "规划期不能改为 2018—2018 年" in response.content.decode()
    assert Plan.objects.count() == 1 and Measure.objects.count() == 2 and not Task.objects.filter(code="2-9").exists()
    assert Plan.objects.get().ends_year == 2019


def test_the_office_edits_reorders_and_retires(small_plan):
    client, unit = _client(small_plan.personas.officer), _units(small_plan)
    page = client.get("/plan/plans/small/measures/2/")
    assert page.context["form"].initial["leads"] == [unit["water"]]
    assert client.post("/plan/plans/small/measures/2/", {
        "code": "2", "title": "饮水安全巩固提升", "leads": [unit["water"]]}).status_code == 302
    assert Measure.objects.get(code="2").title == "饮水安全巩固提升"
    client.post("/plan/plans/small/measures/2/move/", {"direction": "up"})
    assert list(Measure.objects.order_by("order").values_list("code", flat=True)) == ["2", "1"]
    edge = client.post("/plan/plans/small/measures/2/move/", {"direction": "up"}, follow=True)
    assert "已是同级的第一项" in edge.content.decode()
    task = small_plan.task("解决不安全饮水")
    assert "撤销任务" in client.get(f"/plan/plans/small/tasks/{task.code}/").content.decode()
    client.post(f"/plan/plans/small/tasks/{task.code}/retire/", {"reason": "已由省级项目完成"})
    task.refresh_from_db()
    assert (task.status, task.retired_reason) == ("retired", "已由省级项目完成")
    text = client.get(f"/plan/plans/small/tasks/{task.code}/").content.decode()
    assert "此任务已于" in text and 'data-testid="task-form"' not in text
    refused = client.post("/plan/plans/small/tasks/2-1/delete/", follow=True).content.decode()
    assert "不能删除，请撤销" in refused and Task.objects.filter(code="2-1").exists()


def test_only_the_office_edits_the_plan(small_plan):
    for persona in ("department", "township_a", "cadre_a1"):
        client = _client(getattr(small_plan.personas, persona))
        for path in ("/plan/plans/new/", "/plan/plans/small/", "/plan/plans/small/measures/1/",
                     "/plan/plans/small/tasks/1-1/"):
            assert client.get(path).status_code == 403, (persona, path)
        assert client.post("/plan/plans/small/measures/1/", {"code": "1", "title": "越权"}).status_code == 403
        assert client.post("/plan/plans/small/tasks/1-1/retire/", {"reason": "越权"}).status_code == 403
        assert client.get("/plan/plans/").status_code == 200  # the list of plans is for everyone who sees the plan
    assert Measure.objects.get(code="1").title == "教育脱贫" and small_plan.task("控辍保学").status == "open"
    office = _client(small_plan.personas.officer)
    assert office.get("/plan/plans/no-such-plan/").status_code == 404
    assert office.get("/plan/plans/small/measures/9/").status_code == 404
