from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fupin.core.idnumber import (
    PROVINCE_CODES,
    IdNumberError,
    check_character,
    is_valid,
    mask,
    normalize,
    parse,
    upgrade_15_to_18,
)

VECTORS = [
    "11010519491231002X",
    "440524188001010014",
    "34052419800101001X",
    "370101190102039973",
]
TODAY = date(2025, 6, 1)
CJK = re.compile(r"[\u4e00-\u9fff]")


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def error_code(raw: str) -> str:
    with pytest.raises(IdNumberError) as excinfo:
        parse(raw, today=TODAY)
    return excinfo.value.code


def replace_at(value: str, index: int, char: str) -> str:
    return value[:index] + char + value[index + 1 :]


# --- examples ---------------------------------------------------------------


@pytest.mark.parametrize("value", VECTORS)
def test_it_accepts_the_reference_vectors(value: str) -> None:
    assert parse(value, today=TODAY).value == value
    assert is_valid(value)


@pytest.mark.parametrize("value", VECTORS)
def test_it_rejects_each_vector_with_any_single_digit_changed(value: str) -> None:
    for index in range(17):
        changed = str((int(value[index]) + 1) % 10)
        assert not is_valid(replace_at(value, index, changed))


def test_it_rejects_a_wrong_check_character() -> None:
    assert error_code("110105194912310021") == "CHECK_CHARACTER"


def test_it_accepts_a_lower_case_x_and_upper_cases_it() -> None:
    assert parse("11010519491231002x", today=TODAY).value == "11010519491231002X"


def test_it_accepts_full_width_digits_and_x() -> None:
    assert parse("１１０１０５１９４９１２３１００２ｘ", today=TODAY).value == VECTORS[0]


def test_it_strips_spaces_and_zero_width_characters() -> None:
    raw = " 110105 19491231\u3000002X\u200b\ufeff\n"
    assert normalize(raw) == VECTORS[0]
    assert parse(raw, today=TODAY).value == VECTORS[0]


def test_it_derives_sex_and_birth_date() -> None:
    person = parse("11010519491231002X", today=TODAY)
    assert person.sex == "F"
    assert person.birth_date == date(1949, 12, 31)
    assert person.address_code == "110105"
    assert parse("440524188001010014", today=TODAY).sex == "M"


def test_it_computes_full_years_of_age() -> None:
    person = parse("11010519491231002X", today=TODAY)
    assert person.age_on(date(2024, 12, 30)) == 74
    assert person.age_on(date(2024, 12, 31)) == 75


def test_it_upgrades_a_15_digit_number() -> None:
    legacy = "110105491231002"
    assert upgrade_15_to_18(legacy) == VECTORS[0]
    assert parse(legacy, today=TODAY).value == VECTORS[0]


def test_it_rejects_a_future_birth_date() -> None:
    assert error_code(with_check("11010520990101002")) == "BIRTH_DATE"


def test_it_rejects_a_birth_date_before_1880() -> None:
    assert error_code(with_check("11010518791231002")) == "BIRTH_DATE"


def test_it_rejects_february_30() -> None:
    assert error_code(with_check("11010519900230002")) == "BIRTH_DATE"


def test_it_rejects_an_unknown_province_prefix() -> None:
    assert error_code(with_check("99010519491231002")) == "ADDRESS"


def test_it_accepts_an_abolished_county_code_with_a_valid_prefix() -> None:
    assert is_valid(with_check("11999919491231002"))


@pytest.mark.parametrize("raw", ["4.11103E+17", "4.11103e17", "4.11103e+17", "411103199001011234.0", "1E+5"])
def test_it_detects_numbers_mangled_by_excel(raw: str) -> None:
    with pytest.raises(IdNumberError) as excinfo:
        parse(raw, today=TODAY)
    assert excinfo.value.code == "NUMERIC_CELL"
    assert "设置为文本格式" in excinfo.value.message
    assert "format the column as text" in excinfo.value.message


def test_it_hints_at_excel_when_the_last_three_digits_are_zero() -> None:
    with pytest.raises(IdNumberError) as excinfo:
        parse("411103199001011000", today=TODAY)
    assert excinfo.value.code == "CHECK_CHARACTER"
    assert "Excel" in excinfo.value.message


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "EMPTY"),
        (" \u200b ", "EMPTY"),
        ("1101051949123100", "LENGTH"),
        ("1101051949123100-X", "CHARACTERS"),
        ("1101051949123X002", "CHARACTERS"),
        ("11010549123100X", "CHARACTERS"),
        ("4.11103E+17", "NUMERIC_CELL"),
        ("99010519491231002X", "ADDRESS"),
        ("110105194913310021", "BIRTH_DATE"),
        ("110105194912310021", "CHECK_CHARACTER"),
    ],
)
def test_it_reports_bilingual_messages_with_stable_codes(raw: str, code: str) -> None:
    with pytest.raises(IdNumberError) as excinfo:
        parse(raw, today=TODAY)
    error = excinfo.value
    assert error.code == code
    chinese, _, english = error.message.partition(" / ")
    assert CJK.search(chinese)
    assert re.search(r"[A-Za-z]{4}", english)
    assert not CJK.search(english)
    assert str(error) == error.message
    assert isinstance(error, ValueError)


def test_it_rejects_a_malformed_check_character_input() -> None:
    with pytest.raises(IdNumberError):
        check_character("1234")
    with pytest.raises(IdNumberError):
        check_character("1101051949123100X")


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("41110319900101123X", "4111**********123X"),
        ("110105491231002", "1101*******1002"),
        ("", ""),
        ("12345678", "********"),
        ("1234567890", "**********"),
    ],
)
def test_it_masks_the_middle(value: str, masked: str) -> None:
    assert mask(value) == masked


def test_it_keeps_full_numbers_out_of_repr() -> None:
    person = parse(VECTORS[0], today=TODAY)
    assert person.masked == "1101**********002X"
    assert VECTORS[0] not in repr(person)


# --- properties -------------------------------------------------------------


@st.composite
def first17s(draw: st.DrawFn, *, max_year: int = 2020) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    county = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(date(1900, 1, 1), date(max_year, 12, 31)))
    sequence = draw(st.integers(0, 999))
    return f"{province}{county}{born:%Y%m%d}{sequence:03d}"


@given(first17s())
def test_it_accepts_every_generated_number(first17: str) -> None:
    person = parse(with_check(first17), today=TODAY)
    assert person.birth_date.strftime("%Y%m%d") == first17[6:14]
    assert person.sex == ("M" if int(first17[16]) % 2 else "F")


@given(first17s(), st.integers(0, 16), st.integers(1, 9))
def test_it_detects_every_single_digit_error(first17: str, index: int, shift: int) -> None:
    value = with_check(first17)
    changed = str((int(value[index]) + shift) % 10)
    mutated = replace_at(value, index, changed)
    assert check_character(mutated[:17]) != mutated[17]
    assert not is_valid(mutated)


@given(first17s(), st.integers(0, 16))
def test_it_detects_every_adjacent_transposition(first17: str, index: int) -> None:
    value = with_check(first17)
    a, b = value[index], value[index + 1]
    assume(a != b and b.isdigit())
    swapped = value[:index] + b + a + value[index + 2 :]
    assert check_character(swapped[:17]) != swapped[17]
    assert not is_valid(swapped)


@given(st.text())
def test_it_never_reveals_more_than_eight_characters(value: str) -> None:
    masked = mask(value)
    assert len(masked) == len(value)
    revealed = [i for i, char in enumerate(masked) if char != "*"]
    assert len(revealed) <= 8
    assert all(masked[i] == value[i] for i in revealed)


@given(first17s(max_year=1999))
def test_it_round_trips_15_digit_upgrades(first17: str) -> None:
    value = with_check(first17)
    assert value[6:8] == "19"
    legacy = value[:6] + value[8:17]
    assert upgrade_15_to_18(legacy) == value
