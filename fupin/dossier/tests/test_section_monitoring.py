"""The household file's monitoring section: the household's cases with their steps and measures, and
its results in recent runs; another household's cases stay out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fupin.core.testing import make_household
from fupin.monitoring.models import CaseMeasure, CaseStep, MonitoringCase, MonitoringResult, MonitoringRun


@pytest.fixture
def admin(client, personas):
    client.force_login(personas.admin)
    return client


def section(client, household) -> str:
    html: str = client.get(f"/registry/households/{household.pk}/").content.decode()
    return html.split('data-section="monitoring"')[1].split("</section>")[0]


def test_it_shows_the_household_s_cases_steps_measures_and_results(admin, personas, rich_household):
    run = MonitoringRun.objects.create(year=2020, ruleset_version="t")
    MonitoringResult.objects.create(run=run, household=rich_household, year=2020, category="EDGE",
                                    risks="INCOME_BELOW_LINE;MEDICAL", per_capita_income=Decimal("4321.50"),
                                    monitoring_line=Decimal("5000"))
    case = MonitoringCase.objects.create(household=rich_household, step="assisting", year=2020, category="EDGE", identified_on=date(2020, 4, 20),
                                         risks="INCOME_BELOW_LINE;MEDICAL", opened_run=run)
    CaseStep.objects.create(case=case, action="verify", from_state="alert", to_state="verified", actor=personas.admin,
                            note="入户核实：因病支出增加")
    CaseMeasure.objects.create(case=case, kind="health", description="落实大病救助", starts_on=date(2020, 5, 1))
    other = make_household(rich_household.village, "H-A1-0099", members=1)
    MonitoringCase.objects.create(household=other, step="alert", year=2020, category="SUDDEN_HARDSHIP",
                                  risks="HOUSING")

    html = section(admin, rich_household)
    assert html.count('data-testid="dossier-monitoring-case"') == 1
    assert "落实帮扶" in html and "收入低于监测线" in html and "基本医疗出现问题" in html
    assert "入户核实：因病支出增加" in html and "落实大病救助" in html
    assert f'href="/monitoring/cases/{case.pk}/"' in html
    assert "4,321.50" in html and "5,000.00" in html
    assert "住房安全出现问题" not in html  # the other household's case


def test_a_household_never_at_risk_says_so(admin, rich_household):
    html = section(admin, rich_household)
    assert 'data-testid="dossier-monitoring-none"' in html and "最近的监测批次未发现风险" in html
