"""poverty_lines: each year's line in force in a village, as params_for_villages resolves it."""

from __future__ import annotations

from decimal import Decimal

from fupin.assessment.services import params_for_villages, policy_seed_defaults, policy_version_create, poverty_lines


def test_it_agrees_with_the_full_parameter_resolution(areas, personas):
    policy_seed_defaults()
    policy_version_create(year=2019, values={"poverty_line": "3900"}, reason="市定", actor=personas.admin,
                          region=areas.county, publish=True)
    policy_version_create(year=2019, values={"poverty_line": "4100"}, reason="镇定", actor=personas.admin,
                          region=areas.town_a, publish=True)
    policy_version_create(year=2018, values={"poverty_line": "9999"}, reason="草稿", actor=personas.admin,
                          region=areas.town_a, publish=False)
    years = [2013, 2017, 2018, 2019, 2020, 2021]
    for village in (areas.village_a1, areas.village_b1):
        lines = poverty_lines(village, years)
        for year in years:
            try:
                expected = params_for_villages(year, [village.pk])[0][village.pk].poverty_line
            except Exception:
                expected = None
            assert lines[year] == expected, (village, year)
    assert poverty_lines(areas.village_a1, [2019])[2019] == Decimal("4100")  # the deepest region wins
    assert poverty_lines(areas.village_b1, [2019])[2019] == Decimal("3900")
    assert poverty_lines(areas.village_a1, [2018])[2018] == Decimal("3535")  # drafts never count
    assert poverty_lines(areas.village_a1, [2013])[2013] is None  # no published version that year
