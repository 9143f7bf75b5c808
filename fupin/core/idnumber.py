"""Chinese resident identity numbers (GB 11643-1999).

An 18-character number is laid out as::

    AAAAAA YYYYMMDD SSS C
    |      |        |   +-- check character (ISO 7064 MOD 11-2, 0-9 or X)
    |      |        +------ sequence code; odd = male, even = female
    |      +--------------- date of birth
    +---------------------- address code (GB/T 2260)

Legacy 15-digit numbers have a two-digit birth year and no check character;
they are upgraded by inserting "19" after the address code and appending
the computed check character.

Error messages are user-facing and bilingual (Chinese first, then English);
``IdNumberError.code`` is a stable English identifier for programmatic use.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

__all__ = [
    "CHECK_CHARACTERS",
    "EARLIEST_BIRTH_DATE",
    "PROVINCE_CODES",
    "WEIGHTS",
    "IdNumber",
    "IdNumberError",
    "Sex",
    "check_character",
    "is_valid",
    "mask",
    "normalize",
    "parse",
    "upgrade_15_to_18",
]

Sex = Literal["M", "F"]

WEIGHTS: Final[tuple[int, ...]] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS: Final = "10X98765432"
EARLIEST_BIRTH_DATE: Final = date(1880, 1, 1)

# Province-level prefixes of GB/T 2260 (including 71 Taiwan, 81 Hong Kong,
# 82 Macao). Only the prefix is checked: abolished county codes remain on
# the cards of real people, so the remaining four digits are not validated.
PROVINCE_CODES: Final[frozenset[str]] = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip

# Fewer characters than this are masked completely (see ``mask``).
_MASK_MIN_LENGTH: Final = 15
_MASK_KEEP: Final = 4

_SHAPE_18: Final = re.compile(r"[0-9]{17}[0-9X]")
_SHAPE_15: Final = re.compile(r"[0-9]{15}")
_DIGITS_AND_X: Final = re.compile(r"[0-9]*X?")
# What Excel makes of an ID number stored as a number: 4.11103E+17,
# 4.11103e17 (upper-cased by normalize) or 411103199001011234.0.
_NUMERIC_CELL: Final = re.compile(r"[0-9]+(?:\.[0-9]*)?E[+-]?[0-9]+|[0-9]+\.[0-9]*")

_MESSAGES: Final[dict[str, str]] = {
    "EMPTY": "身份证号为空 / identity number is empty",
    "LENGTH": (
        "身份证号应为18位（旧版为15位） / identity number must have 18 characters (15 for the legacy format)"
    ),
    "CHARACTERS": (
        "身份证号只能包含数字，最后一位可以是X / "
        "identity number may only contain digits, with X allowed as the last character"
    ),
    "NUMERIC_CELL": (
        "身份证号已被Excel转换为数字，部分数字已经丢失、无法恢复；"
        "请将该列设置为文本格式后重新录入 / "
        "the identity number was converted to a number by Excel and digits are "
        "already lost; format the column as text and enter the numbers again"
    ),
    "ADDRESS": "身份证号地址码无效 / invalid address code",
    "BIRTH_DATE": "身份证号出生日期无效 / invalid birth date",
    "CHECK_CHARACTER": "身份证号校验码错误 / wrong check character",
}


class IdNumberError(ValueError):
    """An identity number failed validation.

    ``code`` is a stable English identifier (one of the keys of the message
    table, e.g. ``"CHECK_CHARACTER"``); ``message`` is bilingual.
    """

    code: str
    message: str

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else _MESSAGES[code]
        super().__init__(self.message)


@dataclass(frozen=True)
class IdNumber:
    """A validated 18-character identity number and the facts encoded in it."""

    value: str
    address_code: str
    birth_date: date
    sex: Sex

    def __repr__(self) -> str:
        # Keep full numbers out of logs and tracebacks.
        return f"IdNumber({self.masked!r})"

    @property
    def masked(self) -> str:
        return mask(self.value)

    def age_on(self, day: date) -> int:
        """Full years of age on ``day``.

        A person born on 29 February turns a year older on 1 March in
        common years.
        """
        if day < self.birth_date:
            raise ValueError("date precedes the birth date")
        birthday_pending = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(birthday_pending)


def normalize(raw: str) -> str:
    """NFKC-normalise, drop all whitespace and invisible format characters
    (e.g. zero-width spaces), upper-case. Does not validate."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if not _is_invisible(ch)).upper()


def _is_invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Cf"


def check_character(first17: str) -> str:
    """Check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    _require_digits(first17, 17)
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def upgrade_15_to_18(raw15: str) -> str:
    """Upgrade a legacy 15-digit number to 18 characters.

    Only the shape is checked; use ``parse`` to validate the result.
    """
    value = normalize(raw15)
    _require_digits(value, 15)
    first17 = f"{value[:6]}19{value[6:]}"
    return first17 + check_character(first17)


def _require_digits(value: str, count: int) -> None:
    if len(value) != count:
        raise IdNumberError("LENGTH", f"应为{count}位数字 / expected {count} digits")
    if not value.isascii() or not value.isdigit():
        raise IdNumberError("CHARACTERS", f"应为{count}位数字 / expected {count} digits")


def parse(raw: str, *, today: date | None = None) -> IdNumber:
    """Normalise, upgrade (15 digits) and validate an identity number.

    ``today`` bounds the birth date; it defaults to ``date.today()`` (Django
    callers should pass ``timezone.localdate()``). Raises ``IdNumberError``.
    """
    value = _to_18(normalize(raw))
    _check_address(value[:6])
    birth_date = _parse_birth_date(value[6:14], today or date.today())
    _check_check_character(value)
    sex: Sex = "M" if int(value[16]) % 2 else "F"
    return IdNumber(value=value, address_code=value[:6], birth_date=birth_date, sex=sex)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


def _to_18(value: str) -> str:
    _check_shape(value)
    return upgrade_15_to_18(value) if len(value) == 15 else value


def _check_shape(value: str) -> None:
    if not value:
        raise IdNumberError("EMPTY")
    if _NUMERIC_CELL.fullmatch(value) or "E+" in value:
        raise IdNumberError("NUMERIC_CELL")
    if not _DIGITS_AND_X.fullmatch(value):
        raise IdNumberError("CHARACTERS")
    if len(value) not in (15, 18):
        raise IdNumberError("LENGTH")
    if not (_SHAPE_18.fullmatch(value) or _SHAPE_15.fullmatch(value)):
        raise IdNumberError(
            "CHARACTERS",
            "旧版15位身份证号只能包含数字 / a legacy 15-digit number may only contain digits",
        )


def _check_address(address_code: str) -> None:
    if address_code[:2] not in PROVINCE_CODES:
        raise IdNumberError("ADDRESS")


def _parse_birth_date(yyyymmdd: str, today: date) -> date:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise IdNumberError("BIRTH_DATE") from None
    if born > today:
        raise IdNumberError("BIRTH_DATE", "出生日期晚于今天 / birth date is in the future")
    if born < EARLIEST_BIRTH_DATE:
        raise IdNumberError("BIRTH_DATE", "出生日期早于1880年 / birth date is before 1880-01-01")
    return born


def _check_check_character(value: str) -> None:
    if check_character(value[:17]) == value[17]:
        return
    if value.endswith("000"):
        # Typical of Excel: only 15 significant digits survive a numeric cell.
        raise IdNumberError(
            "CHECK_CHARACTER",
            "身份证号校验码错误，末三位为000，可能已被Excel截断，请将该列设置为文本格式 / "
            "wrong check character; the number ends in 000 and may have been "
            "truncated by Excel, format the column as text",
        )
    raise IdNumberError("CHECK_CHARACTER")


def mask(value: str) -> str:
    """Keep the first and last four characters, replace the rest with ``*``.

    Values shorter than a legacy 15-digit number are masked completely, so a
    malformed number is never revealed (nearly) in full.
    """
    if len(value) < _MASK_MIN_LENGTH:
        return "*" * len(value)
    hidden = len(value) - 2 * _MASK_KEEP
    return value[:_MASK_KEEP] + "*" * hidden + value[-_MASK_KEEP:]
