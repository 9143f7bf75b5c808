"""Pinyin search keys for names: full pinyin and initials, with surnames read as surnames.

pypinyin's default readings get common surnames wrong (曾 zeng, 单 shan, 解 xie, 仇 qiu, 朴 piao...),
so the first character is read in surname mode.
"""

from __future__ import annotations

from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "盖": "ge",
    "区": "ou", "尉迟": "yu chi", "万俟": "mo qi", "种": "chong", "秘": "bi", "繁": "po", "员": "yun",
    "覃": "qin", "翟": "zhai", "乐": "yue", "缪": "miao", "折": "she", "召": "shao", "长孙": "zhang sun",
}


_SURNAME_LENGTHS = sorted({len(s) for s in SURNAME_READINGS}, reverse=True)


def _surname(name: str) -> tuple[list[str], str]:
    for length in _SURNAME_LENGTHS:  # the longest surname first: 长孙 before 长
        reading = SURNAME_READINGS.get(name[:length])
        if reading is not None:
            return reading.split(), name[length:]
    return [], name


def pinyin_keys(name: str) -> tuple[str, str]:
    """``("zhangsan", "zs")`` for 张三."""
    reading, rest = _surname(name.strip())
    syllables = reading + lazy_pinyin(rest, style=Style.NORMAL, errors="ignore")
    syllables = [s.lower() for s in syllables if s]
    return "".join(syllables), "".join(s[0] for s in syllables)


def _has_phrase(text: str) -> bool:
    """Does any run of two or more characters form a phrase pypinyin reads as a whole?"""
    size = len(text)
    if size < 2:
        return False
    if size == 2:
        return text in PHRASES_DICT
    return any(text[i:j] in PHRASES_DICT for i in range(size) for j in range(i + 2, size + 1))


def pinyin_keys_many(names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """:func:`pinyin_keys` for many names at once (a county register: a million members).

    pypinyin reads a string phrase by phrase and every other character alone, by its default
    reading; a name with no phrase in it therefore reads as its characters read one by one. Those
    names (almost all) are assembled from a per-character table; names containing a phrase go
    through :func:`pinyin_keys` itself, so both paths give the same keys.
    """
    readings: dict[str, tuple[str, str]] = {}
    keys: dict[str, tuple[str, str]] = {}
    for name in names:
        if name in keys:
            continue
        reading, rest = _surname(name.strip())
        if _has_phrase(rest):
            keys[name] = pinyin_keys(name)
            continue
        full, initials = "".join(reading), "".join(s[0] for s in reading)
        for char in rest:
            char_keys = readings.get(char)
            if char_keys is None:
                syllables = [s.lower() for s in lazy_pinyin(char, style=Style.NORMAL, errors="ignore") if s]
                char_keys = readings[char] = ("".join(syllables), "".join(s[0] for s in syllables))
            full += char_keys[0]
            initials += char_keys[1]
        keys[name] = (full, initials)
    return keys
