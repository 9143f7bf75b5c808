"""The household list: search, filters, no ID numbers. (The household page: fupin/dossier/tests.)"""

from __future__ import annotations

from typing import Any

import pytest

from fupin.core.testing import make_household
from fupin.registry.models import Household, Member

LIST = "/registry/households/"


@pytest.fixture
def signed_in(client, personas):
    client.force_login(personas.admin)
    return client


def _numbers(client, **params) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [h.household_no for h in response.context["page"].object_list]


class TestSearch:
    def test_it_finds_by_pinyin_initials_of_a_member(self, signed_in, areas, households):
        other = make_household(areas.village_a1, "H-A1-0002", members=1)
        Member.objects.filter(household=other).update(name="王五", name_pinyin="wangwu", name_initials="ww")
        assert _numbers(signed_in, q="zs") == ["H-A1-0001", "H-A2-0001", "H-B1-0001"]
        assert _numbers(signed_in, q="ww") == ["H-A1-0002"]
        assert _numbers(signed_in, q="ZS") == _numbers(signed_in, q="zs")

    def test_it_finds_by_full_pinyin_and_by_name(self, signed_in, areas, households):
        other = make_household(areas.village_a1, "H-A1-0002", members=1)
        Member.objects.filter(household=other).update(name="王五", name_pinyin="wangwu", name_initials="ww")
        assert _numbers(signed_in, q="wangwu") == ["H-A1-0002"]
        assert _numbers(signed_in, q="王五") == ["H-A1-0002"]

    def test_it_finds_by_the_indexed_parts_of_an_id_number(self, signed_in, households):
        """ID numbers are sealed (ADR 0024): the whole number, its first 6 or 10 characters and its last 6 are
        found through their keyed indexes; another length names no indexed part and finds nothing."""
        number = households["a2"].members.order_by("pk").last().id_number
        everyone = [(m.id_number, m.household.household_no) for m in Member.objects.select_related("household")]

        def having(test: Any) -> list[str]:
            return sorted({no for n, no in everyone if test(n)})

        assert _numbers(signed_in, q=number.lower()) == ["H-A2-0001"]
        assert _numbers(signed_in, q=number[:17]) == ["H-A2-0001"]  # the check character completed
        assert _numbers(signed_in, q=number[-6:]) == having(lambda n: n.endswith(number[-6:])) == ["H-A2-0001"]
        assert _numbers(signed_in, q=number[:10]) == having(lambda n: n.startswith(number[:10]))
        assert _numbers(signed_in, q=number[:6]) == having(lambda n: n.startswith(number[:6]))
        assert len(_numbers(signed_in, q=number[:6])) == 3
        assert _numbers(signed_in, q=number[-8:]) == []

    def test_it_finds_by_household_number(self, signed_in, households):
        assert _numbers(signed_in, q="H-B1") == ["H-B1-0001"]
        assert _numbers(signed_in, q="a2-0001") == ["H-A2-0001"]

    def test_it_finds_nothing_for_an_unknown_term(self, signed_in, households):
        assert _numbers(signed_in, q="不存在的人") == []
        assert "没有符合条件的户" in signed_in.get(LIST, {"q": "不存在的人"}).content.decode()

    def test_it_searches_only_within_the_user_s_area(self, client, personas, households):
        client.force_login(personas.cadre_a1)
        assert _numbers(client, q="zs") == ["H-A1-0001"]
        assert _numbers(client, q="H-B1") == []


    def test_it_ignores_spaces_and_case_in_pinyin(self, signed_in, areas, households):
        assert _numbers(signed_in, q="Zhang San") == ["H-A1-0001", "H-A2-0001", "H-B1-0001"]
        assert _numbers(signed_in, q="zhangs") == ["H-A1-0001", "H-A2-0001", "H-B1-0001"]
        assert _numbers(signed_in, q="zhangsi") == []

    def test_it_matches_names_from_their_start(self, signed_in, areas, households):
        other = make_household(areas.village_a1, "H-A1-0002", members=1)
        Member.objects.filter(household=other).update(name="王秀英", name_pinyin="wangxiuying", name_initials="wxy")
        assert _numbers(signed_in, q="王") == ["H-A1-0002"]
        assert _numbers(signed_in, q="王秀") == ["H-A1-0002"]
        assert _numbers(signed_in, q="王秀英") == ["H-A1-0002"]
        assert _numbers(signed_in, q="wxy") == ["H-A1-0002"]
        assert _numbers(signed_in, q="秀英") == []  # names are searched by their start (an index range)

    def test_it_finds_by_a_whole_id_number_and_its_legacy_15_digit_form(self, signed_in, households):
        member = households["b1"].members.order_by("pk").first()
        assert _numbers(signed_in, q=member.id_number) == ["H-B1-0001"]
        legacy = member.id_number[:6] + member.id_number[8:17]  # 18 -> 15: drop "19" and the check character
        assert _numbers(signed_in, q=legacy) == ["H-B1-0001"]
        assert _numbers(signed_in, q=f" {member.id_number[:9]} {member.id_number[9:]} ") == ["H-B1-0001"]

    def test_it_shows_each_household_s_head_and_size(self, signed_in, areas, households):
        make_household(areas.village_a1, "H-A1-0002", members=4)
        rows = {r.household.household_no: r for r in signed_in.get(LIST, {"q": "H-A1"}).context["rows"]}
        assert (rows["H-A1-0001"].head_name, rows["H-A1-0001"].member_count) == ("张三", 2)
        assert (rows["H-A1-0002"].head_name, rows["H-A1-0002"].member_count) == ("张三", 4)

    def test_it_pages_with_a_fixed_number_of_queries(self, signed_in, areas, django_assert_max_num_queries):
        for i in range(30):
            make_household(areas.village_a1, f"H-A1-{i:04d}", members=3)
        # 12 for the page, 5 for the audit entry that records the read (savepoint, head lock, tail, insert, release),
        # 2 for the second-factor check of every page (has the user a TOTP device, recovery codes).
        with django_assert_max_num_queries(19):
            response = signed_in.get(LIST, {"q": "zs", "page": "2"})
        assert [r.household.household_no for r in response.context["rows"]] == [f"H-A1-{i:04d}" for i in range(25, 30)]
        assert response.context["page"].paginator.count == 30


class TestFilters:
    def test_it_filters_by_township(self, signed_in, areas, households):
        assert _numbers(signed_in, township=areas.town_a.pk) == ["H-A1-0001", "H-A2-0001"]
        assert _numbers(signed_in, township=areas.town_b.pk) == ["H-B1-0001"]

    def test_it_filters_by_village(self, signed_in, areas, households):
        assert _numbers(signed_in, village=areas.village_a2.pk) == ["H-A2-0001"]

    def test_it_filters_by_status(self, signed_in, areas, households):
        Household.objects.filter(pk=households["a2"].pk).update(status="exited", identified_year=2016, exit_year=2018)
        make_household(areas.village_b1, "H-B1-0002", status=None)
        assert _numbers(signed_in, status="exited") == ["H-A2-0001"]
        assert _numbers(signed_in, status="registered") == ["H-A1-0001", "H-B1-0001"]
        assert _numbers(signed_in, status="candidate") == ["H-B1-0002"]

    def test_it_combines_filters_with_search(self, signed_in, areas, households):
        assert _numbers(signed_in, township=areas.town_a.pk, q="zs") == ["H-A1-0001", "H-A2-0001"]
        assert _numbers(signed_in, village=areas.village_b1.pk, q="H-A1") == []

    def test_it_ignores_a_malformed_filter(self, signed_in, households):
        assert len(_numbers(signed_in, township="abc", village="1;drop")) == 3


class TestIdNumbers:
    def test_the_list_shows_no_id_numbers(self, signed_in, households):
        html = signed_in.get(LIST, {"q": "zs"}).content.decode()
        assert "H-A1-0001" in html
        for member in Member.objects.all():
            assert member.id_number not in html
            assert member.masked_id not in html


class TestAccess:
    def test_it_refuses_the_list_without_registry_view(self, client, personas):
        client.force_login(personas.nobody)
        assert client.get(LIST).status_code == 403

    def test_it_sends_anonymous_users_to_sign_in(self, client, households):
        response = client.get(LIST)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_it_shows_a_village_cadre_only_its_own_village_in_the_filters(self, client, personas, households):
        client.force_login(personas.cadre_a1)
        response = client.get(LIST)
        assert [v.name for v in response.context["villages"]] == ["甲村民委员会"]
        assert "丙村民委员会" not in response.content.decode()
