"""The sections other modules fill: exit assessment, workflow steps and timeline, helpers; the poverty
line beside the incomes; and the section registry itself."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from pypdf import PdfReader

from fupin.assessment.services import policy_seed_defaults, policy_version_create
from fupin.dossier import sections
from fupin.dossier.sections import Section, register
from fupin.dossier.tests.conftest import add_incomes
from fupin.registry.helper_services import helper_assign


def url(household, suffix: str = "") -> str:
    return f"/registry/households/{household.pk}/{suffix}"


def pdf_text(response) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def policies(db):
    policy_seed_defaults()  # 2014-2020 lines of RULES.md section 1; the work year becomes 2020


@pytest.fixture
def admin(client, personas):
    client.force_login(personas.admin)
    return client


class TestPovertyLine:
    def test_the_chart_and_table_show_each_year_s_line(self, admin, policies, rich_household):
        html = admin.get(url(rich_household)).content.decode()
        match = re.search(r'<script id="income-chart-data" type="application/json">(.*?)</script>', html, re.S)
        assert match is not None
        data = json.loads(match.group(1))
        assert data["line"] == ["2800", "2855", "2952", "3335", "3535", "3747"]
        table = html.split('data-testid="income-table"')[1].split("</table>")[0]
        assert "扶贫标准" in table
        assert table.count("未超过") == 6  # 800.13 ... 3,300.13 per person: every year at or below the line

    def test_a_regional_line_overrides_the_platform_one(self, admin, policies, personas, rich_household):
        policy_version_create(year=2019, values={"poverty_line": "3000"}, reason="县定标准",
                              actor=personas.admin, region=personas.areas.town_a, publish=True)
        html = admin.get(url(rich_household)).content.decode()
        match = re.search(r'id="income-chart-data" type="application/json">(.*?)</script>', html, re.S)
        assert match is not None
        data = json.loads(match[1])
        assert data["line"][-1] == "3000"
        table = html.split('data-testid="income-table"')[1].split("</table>")[0]
        assert table.count("未超过") == 5  # 2019: 3,300.13 > 3,000

    def test_without_published_policies_there_is_no_line(self, admin, rich_household):
        html = admin.get(url(rich_household)).content.decode()
        assert '"line": [null, null, null, null, null, null]' in html
        assert "未超过" not in html

    def test_the_pdf_draws_the_line(self, admin, policies, rich_household):
        text = pdf_text(admin.get(url(rich_household, "pdf/")))
        assert "扶贫标准" in text and "3,747" in text and "未超过" in text


class TestAssessment:
    def test_it_says_when_the_work_year_is_not_assessed(self, admin, policies, rich_household):
        html = admin.get(url(rich_household)).content.decode()
        assert 'data-testid="assessment-none"' in html and "2020 年度尚未评估" in html
        assert 'data-testid="assess-now"' in html

    def test_assessing_now_shows_the_verdict_and_each_reason(self, admin, policies, rich_household):
        add_incomes(rich_household, {2019: 12000, 2020: 20000})
        response = admin.post(f"/assessment/households/{rich_household.pk}/", {"year": "2020"})
        assert response.status_code == 302 and response["Location"] == url(rich_household)
        html = admin.get(url(rich_household)).content.decode()
        verdict = html.split('data-testid="assessment-verdict"')[1].split("</p>")[0]
        assert "2020 年度评估结论" in verdict
        indicators = html.split('data-testid="assessment-indicators"')[1].split("</table>")[0]
        assert indicators.count("<tr class=\"outcome-") == 6
        assert "饮水安全有保障" in indicators and "outcome-FAIL" in indicators  # safe_water is False
        assert "扶贫标准" in indicators  # the income reason names the figures
        text = pdf_text(admin.get(url(rich_household, "pdf/")))
        assert "2020 年度评估结论" in text and "饮水安全有保障" in text
        assert "重新评估" not in text  # no buttons on paper

    def test_earlier_years_are_listed(self, admin, policies, rich_household):
        admin.post(f"/assessment/households/{rich_household.pk}/", {"year": "2018"})
        admin.post(f"/assessment/households/{rich_household.pk}/", {"year": "2019"})
        html = admin.get(url(rich_household)).content.decode()
        earlier = html.split("历年评估结论")[1].split("</table>")[0]
        assert earlier.count("<tr><td>201") == 2

    def test_a_read_only_user_gets_no_assess_button(self, client, personas, policies, rich_household):
        client.force_login(personas.auditor)
        html = client.get(url(rich_household)).content.decode()
        assert 'data-section="assessment"' in html
        assert 'data-testid="assess-now"' not in html


class TestWorkflowAndHelpers:
    def test_the_module_panels_sit_in_their_sections(self, admin, rich_household):
        html = admin.get(url(rich_household)).content.decode()
        for key, testid in (("workflow", "workflow-actions"), ("timeline", "workflow-timeline"), ("helpers", "helpers")):
            section = html.split(f'id="sec-{key}" data-section="{key}"')[1].split('data-section="')[0]
            assert f'data-testid="{testid}"' in section, key
        assert html.count('name="csrfmiddlewaretoken"') >= 2  # the panels' forms carry a valid token

    def test_a_helper_reaches_the_page_and_the_pdf(self, admin, personas, rich_household):
        helper_assign(rich_household, name="赵帮扶", unit="区农林局", phone="13900000000", actor=personas.admin,
                      starts_on=date(2019, 3, 1))
        html = admin.get(url(rich_household)).content.decode()
        assert "赵帮扶" in html.split('data-testid="helpers"')[1]
        text = pdf_text(admin.get(url(rich_household, "pdf/")))
        assert "赵帮扶" in text and "区农林局" in text and "2019-03-01" in text

    def test_the_pdf_leaves_the_forms_out(self, admin, rich_household):
        text = pdf_text(admin.get(url(rich_household, "pdf/")))
        assert "流程记录" in text and "帮扶责任人" in text
        assert "识别与退出流程" not in text and "提交" not in text


class TestRegistry:
    @pytest.fixture
    def extra_section(self):
        saved, planned = dict(sections._REGISTRY), dict(sections.PLANNED)
        yield
        sections._REGISTRY.clear()
        sections._REGISTRY.update(saved)
        sections.PLANNED.clear()
        sections.PLANNED.update(planned)

    def test_a_module_claims_its_placeholder_by_registering_the_key(self, admin, rich_household, extra_section):
        for key, order in (("insurance", 85), ("credit", 86)):
            sections.PLANNED[key] = Section(key, key, order, planned="计划中")
        html = admin.get(url(rich_household)).content.decode()
        assert 'data-testid="placeholder-insurance"' in html and "本模块建设中" in html
        register(Section("insurance", "保险", 85, "dossier/sections/_placeholder.html",
                         lambda ctx: {"section": Section("insurance", "保险", 85, planned=f"{len(ctx.members)} 份保单")}))
        html = admin.get(url(rich_household)).content.decode()
        insurance = html.split('data-section="insurance"')[1].split("</section>")[0]
        assert "4 份保单" in insurance and "is-placeholder" not in html.split('data-section="insurance"')[0][-200:]
        assert 'data-testid="placeholder-credit"' in html  # the others stay placeholders

    def test_a_section_can_require_a_capability(self, client, personas, rich_household, extra_section):
        register(Section("secret", "内部备注", 15, "dossier/sections/_placeholder.html", lambda ctx: {},
                         capability="audit.view"))
        client.force_login(personas.cadre_a1)
        assert 'data-section="secret"' not in client.get(url(rich_household)).content.decode()
        client.force_login(personas.admin)
        html = client.get(url(rich_household)).content.decode()
        keys = re.findall(r'data-section="([a-z_]+)"', html)
        assert keys.index("secret") == keys.index("facts") + 1  # ordered by its order, 15
