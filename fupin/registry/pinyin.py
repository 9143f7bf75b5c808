"""Pinyin search keys for names: full pinyin and initials, with surnames read as surnames.

pypinyin's default readings get common surnames wrong (曾 zeng, 单 shan, 解 xie, 仇 qiu, 朴 piao...),
so the first character is read in surname mode.
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin

SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "盖": "ge",
    "区": "ou", "尉迟": "yu chi", "万俟": "mo qi", "种": "chong", "秘": "bi", "繁": "po", "员": "yun",
    "覃": "qin", "翟": "zhai", "乐": "yue", "缪": "miao", "折": "she", "召": "shao", "长孙": "zhang sun",
}


def _surname(name: str) -> tuple[list[str], str]:
    for surname in sorted(SURNAME_READINGS, key=len, reverse=True):
        if name.startswith(surname):
            return SURNAME_READINGS[surname].split(), name[len(surname):]
    return [], name


def pinyin_keys(name: str) -> tuple[str, str]:
    """``("zhangsan", "zs")`` for 张三."""
    reading, rest = _surname(name.strip())
    syllables = reading + lazy_pinyin(rest, style=Style.NORMAL, errors="ignore")
    syllables = [s.lower() for s in syllables if s]
    return "".join(syllables), "".join(s[0] for s in syllables)
