"""Passwords, role assignments and what each persona may see and do."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fupin.accounts.access import ensure_can
from fupin.accounts.models import Assignment, User
from fupin.accounts.passwords import CharacterClassValidator
from fupin.accounts.roles import Cap, Role
from fupin.accounts.services import assignment_create, user_create
from fupin.core.errors import DomainError
from fupin.registry.models import Household


@pytest.mark.parametrize("password", ["abcdefghij1", "ABCDEFGHIJ!", "abcdefghijk", "1234567890!"])
def test_it_rejects_a_password_with_fewer_than_three_character_classes(password):
    with pytest.raises(ValidationError):
        CharacterClassValidator().validate(password)


@pytest.mark.parametrize("password", ["Abcdefgh1!", "abcdefgh1!", "Abcdefghij1"])
def test_it_accepts_a_password_with_three_character_classes(password):
    CharacterClassValidator().validate(password)


def test_it_refuses_to_create_a_user_with_a_weak_password(db):
    with pytest.raises(DomainError) as excinfo:
        user_create(username="weak", password="abcdefghij1")
    assert excinfo.value.code == "WEAK_PASSWORD"
    assert not User.objects.filter(username="weak").exists()


def test_it_refuses_a_village_cadre_on_a_township(personas, areas):
    with pytest.raises(DomainError) as excinfo:
        assignment_create(user=personas.nobody, role=Role.VILLAGE_CADRE, area=areas.town_a)
    assert excinfo.value.code == "ROLE_LEVEL_MISMATCH"
    assert not Assignment.objects.filter(user=personas.nobody).exists()


def test_it_refuses_a_department_officer_without_a_department(personas, areas):
    with pytest.raises(DomainError) as excinfo:
        assignment_create(user=personas.nobody, role=Role.DEPARTMENT_OFFICER, area=areas.county)
    assert excinfo.value.code == "DEPARTMENT_REQUIRED"
    assert not Assignment.objects.filter(user=personas.nobody).exists()


def test_it_shows_nothing_to_a_user_without_an_assignment(personas, households):
    assert not Household.objects.visible_to(personas.nobody).exists()
    assert personas.nobody.capabilities == frozenset()


def test_it_shows_everything_to_the_superuser(personas, households):
    visible = set(Household.objects.visible_to(personas.superuser).values_list("pk", flat=True))
    assert visible == {h.pk for h in households.values()}


def test_it_lets_an_auditor_read_but_not_edit(personas):
    auditor = personas.auditor
    assert auditor.can(Cap.REGISTRY_VIEW)
    assert auditor.can(Cap.AUDIT_VIEW)
    assert not auditor.can(Cap.REGISTRY_EDIT)
    with pytest.raises(PermissionDenied):
        ensure_can(auditor, Cap.REGISTRY_EDIT)


def test_it_gives_a_village_cadre_edit_but_not_the_audit_log(personas):
    assert personas.cadre_a1.can(Cap.REGISTRY_EDIT)
    assert not personas.cadre_a1.can(Cap.AUDIT_VIEW)
