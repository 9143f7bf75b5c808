"""API tokens have a maximum life and an idle expiry (issue 15, 等保三级 identity management).

``FUPIN_API_TOKEN_MAX_DAYS``: no token is created for longer, none is created without an expiry, and a token
stored before the limit (no expiry, or ten years) stops working that many days after its creation.
``FUPIN_API_TOKEN_IDLE_DAYS``: a token unused for that long stops working; each use starts the count again.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fupin.accounts.models import ApiToken, hash_token
from fupin.accounts.services import api_token_create
from fupin.core.errors import BadInput

ME = "/api/v1/accounts/me"


def works(raw: str) -> bool:
    status = Client().get(ME, headers={"Authorization": f"Bearer {raw}"}).status_code
    assert status in (200, 401), status
    return status == 200


@pytest.fixture
def limits(settings):
    settings.FUPIN_API_TOKEN_MAX_DAYS = 90
    settings.FUPIN_API_TOKEN_IDLE_DAYS = 30
    return settings


class TestCreation:
    def test_it_refuses_a_token_longer_than_the_maximum_and_creates_nothing(self, personas, limits):
        for days in (91, 3650, 0, -1):
            with pytest.raises(BadInput) as refused:
                api_token_create(user=personas.cadre_a1, name="报表系统", days=days)
            assert refused.value.code == "TOKEN_DAYS" and "90" in refused.value.message
            assert " / " in refused.value.message  # 中文 / English
        assert not ApiToken.objects.exists()

    def test_every_token_expires_by_default_at_the_maximum(self, personas, limits):
        token, _raw = api_token_create(user=personas.cadre_a1, name="报表系统")
        assert token.expires_at == token.created_at + timedelta(days=90)
        token, _raw = api_token_create(user=personas.cadre_a1, name="报表系统", days=90)
        assert token.expires_at == token.created_at + timedelta(days=90)

    def test_the_maximum_is_a_setting(self, personas, limits):
        limits.FUPIN_API_TOKEN_MAX_DAYS = 7
        with pytest.raises(BadInput):
            api_token_create(user=personas.cadre_a1, name="报表系统", days=8)
        assert api_token_create(user=personas.cadre_a1, name="报表系统", days=7)[0].expires_at is not None

    def test_the_profile_page_refuses_more_days_with_a_message(self, client, personas, limits):
        client.force_login(personas.cadre_a1)
        response = client.post(reverse("accounts:token-create"), {"name": "统计接口", "days": 3650}, follow=True)
        assert response.status_code == 200
        assert "90" in response.content.decode()
        assert not ApiToken.objects.exists()
        client.post(reverse("accounts:token-create"), {"name": "统计接口", "days": 90})
        assert ApiToken.objects.get().expires_at is not None


class TestIdleExpiry:
    def test_a_token_unused_for_the_idle_days_stops_working(self, personas, limits):
        token, raw = api_token_create(user=personas.cadre_a1, name="报表系统", days=90)
        with time_machine.travel(token.created_at + timedelta(days=30) - timedelta(minutes=1)):
            assert works(raw)  # used: the count starts again
        with time_machine.travel(token.created_at + timedelta(days=59)):
            assert works(raw)
        with time_machine.travel(token.created_at + timedelta(days=89, minutes=1)):
            assert not works(raw)  # 30 days after its last use, before its expiry

    def test_a_token_never_used_stops_working_the_idle_days_after_its_creation(self, personas, limits):
        token, raw = api_token_create(user=personas.cadre_a1, name="报表系统", days=90)
        with time_machine.travel(token.created_at + timedelta(days=30, minutes=1)):
            assert not works(raw)
        assert ApiToken.objects.get(pk=token.pk).last_used_at is None  # a refused request is not a use

    def test_the_idle_days_are_a_setting(self, personas, limits):
        limits.FUPIN_API_TOKEN_IDLE_DAYS = 2
        token, raw = api_token_create(user=personas.cadre_a1, name="报表系统", days=90)
        with time_machine.travel(token.created_at + timedelta(days=2, minutes=1)):
            assert not works(raw)


class TestMaximumLife:
    def test_a_token_used_every_day_still_ends_at_its_expiry(self, personas, limits):
        token, raw = api_token_create(user=personas.cadre_a1, name="报表系统", days=90)
        for day in range(0, 90, 20):
            with time_machine.travel(token.created_at + timedelta(days=day, hours=1)):
                assert works(raw)
        with time_machine.travel(token.created_at + timedelta(days=90, minutes=1)):
            assert not works(raw)

    @pytest.mark.parametrize("expires_after", [None, timedelta(days=3650)])
    def test_a_token_stored_before_the_limit_ends_the_maximum_after_its_creation(self, personas, limits,
                                                                             expires_after):
        created = timezone.now()
        raw = "fp_stored-before-the-limit"
        ApiToken.objects.create(user=personas.cadre_a1, name="旧令牌", prefix=raw[:10], key_hash=hash_token(raw),
                                created_at=created, expires_at=created + expires_after if expires_after else None)
        for day in range(0, 90, 20):
            with time_machine.travel(created + timedelta(days=day, hours=1)):
                assert works(raw)
        with time_machine.travel(created + timedelta(days=90, minutes=1)):
            assert not works(raw)
