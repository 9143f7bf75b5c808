"""The plan's pages: the plan, the units' standing, a unit's page, filing a report, and who sees what."""

from __future__ import annotations

from django.test import Client

from fupin.plan.models import ProgressReport


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_plan_page_shows_measures_with_their_units_and_tasks(small_plan):
    page = _client(small_plan.personas.cadre_a1).get("/plan/").content.decode()
    assert "小规划" in page and "教育脱贫" in page and "各镇人民政府" in page and "控辍保学" in page


def test_a_department_files_its_report_and_finishes_its_task(small_plan):
    client = _client(small_plan.personas.department)
    unit_page = client.get(f"/plan/units/{small_plan.education.pk}/").content.decode()
    assert "逾期未报" in unit_page and f"/plan/units/{small_plan.education.pk}/reports/new/?year=2018&period=Q1" in unit_page
    task = small_plan.task("控辍保学")
    response = client.post(f"/plan/units/{small_plan.education.pk}/reports/new/", {
        "year": 2018, "period": "Q1", "summary": "开展控辍保学专项行动",
        f"progress-{task.pk}": "劝返 3 人", f"percent-{task.pk}": "100", f"finished-{task.pk}": "on"})
    report = ProgressReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plan/reports/{report.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "开展控辍保学专项行动" in detail and "劝返 3 人" in detail and "迟报" in detail  # filed years late
    task.refresh_from_db()
    assert task.status == "done"


def test_a_refused_report_shows_why_and_writes_nothing(small_plan):
    client = _client(small_plan.personas.department)
    url = f"/plan/units/{small_plan.education.pk}/reports/new/"
    client.post(url, {"year": 2018, "period": "Q1", "summary": "第一次"})
    again = client.post(url, {"year": 2018, "period": "Q1", "summary": "第二次"})
    assert again.status_code == 400 and "已报送 2018 年一季度" in again.content.decode()
    empty = client.post(url, {"year": 2018, "period": "Q2", "summary": ""})
    assert empty.status_code == 400
    assert list(ProgressReport.objects.values_list("summary", flat=True)) == ["第一次"]


def test_the_district_office_sees_every_late_unit_and_a_township_only_itself(small_plan):
    office = _client(small_plan.personas.officer).get("/plan/units/")
    names = [row.unit.name for row in office.context["rows"]]
    assert set(names) == {"区教体局", "区水利局", "孟庙镇", "商桥镇"}
    assert office.context["late_units"] == 4  # nobody reported; every period of 2018-2019 has passed
    township = _client(small_plan.personas.township_a)
    assert [row.unit.name for row in township.get("/plan/units/").context["rows"]] == ["孟庙镇"]
    assert township.get(f"/plan/units/{small_plan.town_b.pk}/").status_code == 404
    assert township.post(f"/plan/units/{small_plan.town_b.pk}/reports/new/",
                         {"year": 2018, "period": "Q1", "summary": "越权"}).status_code == 404
    # The water bureau is visible to a department officer of education, who may not report for it.
    assert _client(small_plan.personas.department).post(
        f"/plan/units/{small_plan.water.pk}/reports/new/", {"year": 2018, "period": "Q1", "summary": "越权"}
    ).status_code == 403
    assert not ProgressReport.objects.exists()


def test_the_api_gives_the_plan_and_the_standing(small_plan):
    client = _client(small_plan.personas.officer)
    plan = client.get("/api/v1/plan/plan").json()
    assert [m["code"] for m in plan["measures"]] == ["1", "2"]
    assert plan["measures"][0]["lead"] == ["区教体局"] and plan["measures"][0]["cooperating"] == ["区水利局", "各镇人民政府"]
    units = client.get("/api/v1/plan/units").json()
    assert {u["unit"] for u in units} == {"区教体局", "区水利局", "孟庙镇", "商桥镇"}
    assert all(u["overdue"] == 8 for u in units)  # 2 years x 4 periods


def test_the_office_runs_the_yearly_review_through_its_pages(small_plan):
    from fupin.plan.models import Indicator, Review

    client = _client(small_plan.personas.officer)
    response = client.post("/plan/reviews/new/", {"year": 2018, "good_min": 90, "fairly_good_min": 80, "average_min": 60})
    assert response.status_code == 302 and response["Location"] == "/plan/reviews/2018/"
    assert "尚未录入" in client.post("/plan/reviews/2018/finalise/", follow=True).content.decode()
    for unit in (small_plan.town_a, small_plan.town_b, small_plan.education, small_plan.water):
        indicator = Indicator.objects.get(plan=small_plan.plan, unit_kind=unit.kind, code="satisfaction")
        client.post("/plan/reviews/2018/scores/", {"unit": unit.pk, "indicator": indicator.pk, "score": "85",
                                                    "basis": "问卷"})
    page = client.post("/plan/reviews/2018/finalise/", follow=True).content.decode()
    assert "已定等次：4 个单位" in page and "约谈" in page
    assert Review.objects.get().status == "final"
    export = client.get("/plan/reviews/2018/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    # A township officer sees its own row only, and cannot change the review.
    township = _client(small_plan.personas.township_a)
    rows = [row.unit.name for table in township.get("/plan/reviews/2018/").context["tables"] for row in table["rows"]]
    assert rows == ["孟庙镇"]
    assert township.post("/plan/reviews/2018/compute/").status_code == 403


def test_without_a_plan_the_pages_say_how_to_load_one(personas):
    client = _client(personas.officer)
    for path in ("/plan/", "/plan/units/", "/plan/inspections/", "/plan/reviews/", "/plan/agreements/",
                 "/plan/meetings/", "/plan/surveys/"):
        response = client.get(path)
        assert response.status_code == 200 and "fupin seed-reference" in response.content.decode(), path
    assert client.get("/plan/?plan=no-such-plan").status_code == 200  # still no plan at all
