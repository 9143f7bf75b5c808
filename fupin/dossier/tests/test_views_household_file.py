"""The household file page: its sections, masked ID numbers, reveal with audit, scoping."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.core.models import AuditEntry
from fupin.core.testing import make_household
from fupin.registry.models import Member

MASKED = re.compile(r"4111\*{10}[0-9X]{4}")
SECTION = re.compile(r'data-section="([a-z_]+)"')


def url(household, suffix: str = "") -> str:
    return f"/registry/households/{household.pk}/{suffix}"


@pytest.fixture
def signed_in(client, personas):
    client.force_login(personas.admin)
    return client


class TestSections:
    def test_it_shows_every_section_in_order(self, signed_in, rich_household):
        html = signed_in.get(url(rich_household)).content.decode()
        keys = SECTION.findall(html)
        assert keys[:3] == ["facts", "members", "incomes"]
        assert {"assessment", "timeline", "helpers", "measures", "monitoring"} <= set(keys)
        assert keys.index("measures") < keys.index("monitoring")
        for key in keys:  # the table of contents links every section
            assert f'href="#sec-{key}"' in html

    def test_it_shows_the_household_facts(self, signed_in, rich_household):
        html = signed_in.get(url(rich_household)).content.decode()
        for text in ("H-A1-0001", "甲村民委员会", "孟庙镇", "郾城区", "一般贫困户", "建档立卡(未脱贫)", "因病",
                     "缺技术、缺资金", "2014", "13800000000", "户主 张三"):
            assert text in html, text
        guarantees = html.split('data-testid="guarantees"')[1].split("</ul>")[0]
        assert guarantees.count('class="check yes"') == 3  # 不愁吃, 不愁穿, housing (C but renovated)
        assert 'class="check no"><span class="check-label">饮水安全' in guarantees
        assert 'class="check yes"><span class="check-label">住房安全等级</span><span class="check-value">C 级' in guarantees

    def test_it_embeds_the_income_series_for_the_chart(self, signed_in, rich_household):
        html = signed_in.get(url(rich_household)).content.decode()
        match = re.search(r'<script id="income-chart-data" type="application/json">(.*?)</script>', html, re.S)
        assert match is not None
        data = json.loads(match.group(1))
        assert data["years"] == ["2014", "2015", "2016", "2017", "2018", "2019"]
        # (2000 + 1000 + 0 + 500.50 - 300) / 4 members = 800.125 -> 800.13 (half up)
        assert data["perCapita"][0] == "800.13"
        assert data["net"][-1] == "13200.50"
        assert 'data-chart="income"' in html
        assert "vendor/echarts/echarts.min.js" in html and "dossier/household_file.js" in html
        table = html.split('data-testid="income-table"')[1].split("</table>")[0]
        assert table.count("<tr>") == 7  # the table fallback: a header and six years

    def test_it_says_so_when_there_are_no_incomes(self, signed_in, rich_household):
        rich_household.incomes.all().delete()
        html = signed_in.get(url(rich_household)).content.decode()
        assert "暂无收入记录" in html
        assert "income-chart-data" not in html

    def test_every_planned_section_is_claimed_by_its_module(self, signed_in, rich_household):
        html = signed_in.get(url(rich_household)).content.decode()
        assert "本模块建设中" not in html and 'data-testid="placeholder-' not in html
        monitoring = html.split('data-section="monitoring"')[1].split("</section>")[0]
        assert 'data-testid="dossier-monitoring-none"' in monitoring

    def test_it_offers_the_pdf(self, signed_in, rich_household):
        html = signed_in.get(url(rich_household)).content.decode()
        assert f'href="/registry/households/{rich_household.pk}/pdf/"' in html

    def test_it_uses_a_fixed_number_of_queries(self, signed_in, rich_household):
        small = make_household(rich_household.village, "H-A1-0002", members=1)
        counts = []
        for household in (small, rich_household):  # 1 member and 1 year; 4 members and 6 years
            with CaptureQueriesContext(connection) as queries:
                assert signed_in.get(url(household)).status_code == 200
            counts.append(len(queries))
        # A query or two per section, whatever the household's size (the 变更记录 and 变更建议 sections: one each).
        assert counts[0] == counts[1] <= 36


class TestIdNumbers:
    def test_it_masks_id_numbers_by_default(self, signed_in, rich_household):
        html = signed_in.get(url(rich_household)).content.decode()
        members = list(rich_household.members.all())
        assert len(MASKED.findall(html)) == len(members) == 4
        for member in members:
            assert member.id_number not in html
            assert member.masked_id in html
        assert 'href="?reveal=1"' in html  # the admin may reveal, and is offered the link
        entry = AuditEntry.objects.filter(action="read", object_id=str(rich_household.pk)).latest("seq")
        assert entry.changes["full_id_numbers"] is False

    def test_it_reveals_full_numbers_on_request_and_logs_it(self, signed_in, personas, rich_household):
        html = signed_in.get(url(rich_household), {"reveal": "1"}).content.decode()
        assert not MASKED.search(html)
        assert all(m.id_number in html for m in rich_household.members.all())
        assert 'data-testid="reveal-notice"' in html
        entry = AuditEntry.objects.filter(action="read", object_id=str(rich_household.pk)).latest("seq")
        assert entry.changes["full_id_numbers"] is True
        assert entry.actor_id == personas.admin.pk
        assert entry.object_type == "registry.household"

    def test_it_never_reveals_to_a_user_without_the_capability(self, client, personas, rich_household):
        client.force_login(personas.auditor)
        html = client.get(url(rich_household), {"reveal": "1"}).content.decode()
        assert 'data-testid="reveal-link"' not in html and 'data-testid="reveal-notice"' not in html
        assert len(MASKED.findall(html)) == 4
        assert not any(m.id_number in html for m in Member.objects.all())
        entry = AuditEntry.objects.filter(action="read", object_id=str(rich_household.pk)).latest("seq")
        assert entry.changes["full_id_numbers"] is False


class TestAccess:
    @pytest.mark.parametrize("suffix", ["", "pdf/"])
    def test_other_villages_households_look_absent(self, client, personas, households, suffix):
        client.force_login(personas.cadre_a1)
        missing = client.get(f"/registry/households/987654321/{suffix}")
        assert missing.status_code == 404
        for other in (households["a2"], households["b1"]):
            response = client.get(url(other, suffix))
            assert (response.status_code, response.content) == (404, missing.content)
        assert client.get(url(households["a1"], suffix)).status_code == 200
        assert not AuditEntry.objects.filter(object_id__in=[str(households["a2"].pk), str(households["b1"].pk)],
                                             object_type="registry.household").exists()

    @pytest.mark.parametrize("suffix", ["", "pdf/"])
    def test_it_refuses_users_without_registry_view(self, client, personas, households, suffix):
        client.force_login(personas.nobody)
        assert client.get(url(households["a1"], suffix)).status_code == 403
        client.logout()
        response = client.get(url(households["a1"], suffix))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_the_list_links_to_the_household_file(self, client, personas, households):
        client.force_login(personas.cadre_a1)
        html = client.get("/registry/households/").content.decode()
        assert f'href="/registry/households/{households["a1"].pk}/"' in html
