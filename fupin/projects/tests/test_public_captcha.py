"""Objections on /public/ ask for an image CAPTCHA once an address has posted FUPIN_CAPTCHA_AFTER_POSTS times to
the public forms (this one and the hotline together); posts go through the notice page's real form."""

from __future__ import annotations

import pytest
from django.test import Client

from fupin.core.testing import captcha_answer
from fupin.notices.models import Notice, Objection
from fupin.projects.tests.factories import proposed, unit

pytestmark = pytest.mark.usefixtures("policy")
ADDRESS = "10.9.8.7"


@pytest.fixture
def notice(areas, settings):
    settings.FUPIN_CAPTCHA_AFTER_POSTS = 2
    settings.FUPIN_PUBLIC_OBJECTIONS_PER_HOUR = 50
    project = proposed(areas.village_a2, unit(areas.county), name="乙村道路硬化", ago=2)
    return Notice.objects.get(kind="project_village", subject_id=project.pk)


def shown(client: Client, notice: Notice) -> str:
    response = client.get(f"/public/notices/{notice.pk}/", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    return response.content.decode()


def object_to(client: Client, notice: Notice, text: str, **captcha: str):
    return client.post(f"/public/notices/{notice.pk}/objection/", {"text": text, "website": "", **captcha},
                       REMOTE_ADDR=ADDRESS, follow=True)


def test_objections_need_a_captcha_after_the_first_posts(notice):
    client = Client()
    assert 'data-testid="captcha"' not in shown(client, notice)
    object_to(client, notice, "第一条")
    object_to(client, notice, "第二条")
    assert Objection.objects.count() == 2
    assert 'data-testid="captcha"' in shown(client, notice)
    refused = object_to(client, notice, "第三条")
    assert "验证码" in refused.content.decode() and Objection.objects.count() == 2
    wrong = object_to(client, notice, "第三条", captcha_0=captcha_answer(refused.content.decode())["captcha_0"],
                      captcha_1="WRONG")
    assert "验证码不正确" in wrong.content.decode() and Objection.objects.count() == 2
    answered = object_to(client, notice, "第三条", **captcha_answer(wrong.content.decode()))
    assert "您的异议已提交" in answered.content.decode()
    assert list(Objection.objects.order_by("pk").values_list("text", flat=True)) == ["第一条", "第二条", "第三条"]


def test_the_hotline_and_the_objections_count_together(notice, people):
    client = Client()
    for _ in range(2):
        client.post("/public/hotline/", {"category": "benefit", "area": people.areas.village_a1.code, "text": "诉求"},
                    REMOTE_ADDR=ADDRESS)
    assert 'data-testid="captcha"' in shown(client, notice)
    assert "验证码" in object_to(client, notice, "异议").content.decode()
    assert not Objection.objects.exists()


@pytest.fixture
def people(personas):
    return personas
