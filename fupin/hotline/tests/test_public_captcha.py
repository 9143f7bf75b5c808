"""The public hotline form asks for an image CAPTCHA (drawn here with Pillow) once an address has posted
FUPIN_CAPTCHA_AFTER_POSTS times within the window; posts go through the real form."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from PIL import Image

from fupin.core.captcha import ALPHABET, challenge
from fupin.core.testing import captcha_answer
from fupin.hotline.models import Ticket

pytestmark = pytest.mark.django_db
FORM = "/public/hotline/"
HOME = "10.0.0.1"


def filled(people, **extra: str) -> dict[str, str]:
    return {"category": "benefit", "area": people.areas.village_a1.code, "text": "我家的教育资助还没收到",
            "citizen_name": "李秀英", "citizen_phone": "13912345678", **extra}


def post(client: Client, people, address: str = HOME, **extra: str):
    return client.post(FORM, filled(people, **extra), REMOTE_ADDR=address)


def page(client: Client, address: str = HOME) -> str:
    response = client.get(FORM, REMOTE_ADDR=address)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def after_two(settings):
    settings.FUPIN_CAPTCHA_AFTER_POSTS = 2
    settings.FUPIN_HOTLINE_SUBMITS_PER_HOUR = 50


def test_the_first_posts_need_no_captcha_and_the_next_one_does(people, after_two):
    client = Client()
    assert 'data-testid="captcha"' not in page(client)
    assert [post(client, people).status_code for _ in range(2)] == [302, 302]
    shown = page(client)
    assert 'data-testid="captcha"' in shown and 'data-testid="captcha-image"' in shown
    refused = post(client, people)
    assert refused.status_code == 422 and "验证码" in refused.content.decode()
    assert Ticket.objects.count() == 2, "a post without the CAPTCHA writes nothing"
    answered = post(client, people, **captcha_answer(refused.content.decode()))
    assert answered.status_code == 302 and answered["Location"] == "/public/hotline/submitted/"
    assert Ticket.objects.count() == 3


def test_a_wrong_answer_writes_nothing_and_shows_a_new_image(people, after_two):
    client = Client()
    post(client, people)
    post(client, people)
    answer = captcha_answer(page(client))
    wrong = post(client, people, captcha_0=answer["captcha_0"], captcha_1="WRONG")
    body = wrong.content.decode()
    assert wrong.status_code == 422 and "验证码不正确" in body
    assert Ticket.objects.count() == 2
    assert captcha_answer(body)["captcha_0"] != answer["captcha_0"]
    assert post(client, people, **answer).status_code == 422, "an image is good for one try only"
    assert post(client, people, **captcha_answer(body)).status_code == 302


def test_the_count_is_per_address_and_ends_with_the_window(people, after_two):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        post(client, people)
        post(client, people)
        assert 'data-testid="captcha"' in page(client)
        assert 'data-testid="captcha"' not in page(client, "10.0.0.2")
        assert post(client, people, "10.0.0.2").status_code == 302
        clock.shift(timedelta(minutes=59))
        assert 'data-testid="captcha"' in page(client)
        clock.shift(timedelta(minutes=2))
        assert 'data-testid="captcha"' not in page(client)
        assert post(client, people).status_code == 302


def test_the_image_is_drawn_here_and_served_from_the_site(people, after_two):
    client = Client()
    post(client, people)
    post(client, people)
    shown = client.get(FORM, REMOTE_ADDR=HOME)
    key = captcha_answer(shown.content.decode())["captcha_0"]
    assert f'src="/public/captcha/{key}/"' in shown.content.decode()
    assert "img-src 'self' data:" in shown["Content-Security-Policy"]
    image = client.get(f"/public/captcha/{key}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    drawn = Image.open(io.BytesIO(image.content))
    assert drawn.format == "PNG" and drawn.width > 60 and drawn.height > 20
    assert client.get("/public/captcha/0000000000000000000000000000000000000000/").status_code == 410


def test_the_challenge_does_not_follow_the_shared_random_generator(db):
    """The library's image view reseeds ``random`` with the key it serves; our letters come from ``secrets``."""
    random.seed("a key the client knows")
    first = challenge()
    random.seed("a key the client knows")
    second = challenge()
    assert first != second
    assert len(first[0]) == 5 and set(first[0]) <= set(ALPHABET) and first[1] == first[0].lower()
