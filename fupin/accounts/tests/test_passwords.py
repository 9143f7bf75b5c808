"""The password policy (AUTH_PASSWORD_VALIDATORS): at least 10 characters, three of four character classes, not
like the user's username, name or phone, not a common password, not all digits. Each rule alone refuses a
password that every other rule accepts; a refused account is not created."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from fupin.accounts.models import User
from fupin.accounts.passwords import CharacterClassValidator
from fupin.accounts.services import user_create
from fupin.core.errors import DomainError

pytestmark = pytest.mark.django_db


def codes_of(password: str, user: User | None = None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list if e.code}
    return set()


@pytest.mark.parametrize(("password", "rule"), [
    ("Xq7#mPz2k", "password_too_short"),  # 9 characters, four classes
    ("Password1234", "password_too_common"),  # in Django's list of common passwords (compared in lower case)
    ("mountainriverhouse", "password_too_simple"),  # one class only
    ("mountainriver2024", "password_too_simple"),  # two classes
    ("20240601201907", "password_entirely_numeric"),  # also one class
])
def test_each_rule_refuses(password, rule):
    assert rule in codes_of(password)


def test_a_password_that_meets_every_rule_is_accepted():
    assert codes_of("mountain river 7") == set()  # lower case, digits and symbols (spaces)
    assert codes_of("Xq7#mPz2k9") == set()


def test_a_password_like_the_user_s_own_details_is_refused():
    user = User(username="zhangwei2020", name="zhangxiuying", phone="13912345678")
    assert codes_of("Zhangwei2020!", user) == {"password_too_similar"}
    assert codes_of("Zhangxiuying#1", user) == {"password_too_similar"}
    assert codes_of("P13912345678!", user) == {"password_too_similar"}
    assert codes_of("Ruler#Cabbage42", user) == set()


def test_the_character_classes_validator_counts_three_of_four():
    validator = CharacterClassValidator()
    for accepted in ("abcDEF1234", "abcdef12#$", "ABCDEF12#$", "abcDEF#$%^"):
        validator.validate(accepted)
    for refused in ("abcdef1234", "ABCDEF#$%^", "1234567890", "扶贫攻坚扶贫攻坚ab1"):
        with pytest.raises(ValidationError) as info:
            validator.validate(refused)
        assert info.value.code == "password_too_simple"


def test_the_service_refuses_a_weak_password_and_creates_nothing():
    with pytest.raises(DomainError) as info:
        user_create(username="li.ming", password="abcdefghij", name="李明")
    assert info.value.code == "WEAK_PASSWORD"
    assert "至少三类" in info.value.message and "at least three of" in info.value.message
    assert not User.objects.filter(username="li.ming").exists()
    assert user_create(username="li.ming", password="Ruler#Cabbage42", name="李明").check_password("Ruler#Cabbage42")


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "密码太短，至少需要 10 个字符。"),
                                                    ("en", "This password is too short. It must contain at least 10 characters.")])
def test_every_rule_speaks_the_viewer_s_language(language, expected):
    """Django 5.2's zh_Hans catalogue lacks the current "too short" sentence; fupin/locale/zh_Hans fills it."""
    from django.utils import translation

    weak = User(username="wang", name="王五")
    with translation.override(language):
        messages = []
        for password in ("Xq7#mPz2k", "Password1234", "mountainriverhouse", "20240601201907", "wang12345#X"):
            try:
                validate_password(password, weak)
            except ValidationError as exc:
                messages.extend(exc.messages)
    assert expected in messages
    if language == "zh-hans":
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages), messages  # none left in English
