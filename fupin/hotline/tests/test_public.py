"""The public side: submit without an account, a tracking code, the status page; size and rate limits; CSRF."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.hotline.models import Ticket, TicketAttachment
from fupin.hotline.services import ticket_create, ticket_reply

pytestmark = pytest.mark.django_db


def form(people, **extra):
    return {"category": "benefit", "area": people.areas.village_a1.code, "text": "我家的教育资助还没收到",
            "citizen_name": "李秀英", "citizen_phone": "13912345678", **extra}


def submit(client, people, **extra):
    return client.post("/public/hotline/", form(people, **extra), REMOTE_ADDR=extra.pop("ip", "10.0.0.1"))


def track(client, code, ip="10.0.0.1"):
    return client.post("/public/hotline/track/", {"code": code}, REMOTE_ADDR=ip)


def test_anyone_submits_and_gets_a_tracking_code_shown_once(people):
    client = Client()
    assert client.get("/public/hotline/").status_code == 200
    response = submit(client, people, files=SimpleUploadedFile("证明.pdf", b"%PDF-1.4 x"))
    assert response.status_code == 302 and response["Location"] == "/public/hotline/submitted/"
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.entered_by, ticket.area) == ("web", None, people.areas.village_a1)
    assert TicketAttachment.objects.filter(ticket=ticket).count() == 1
    page = client.get("/public/hotline/submitted/")
    assert ticket.tracking_code in page.content.decode()
    assert ticket.tracking_code not in response["Location"]
    assert client.get("/public/hotline/submitted/").status_code == 302  # shown once


def test_the_status_page_shows_the_ticket_s_own_category_dates_status_and_reply_only(people):
    ticket = ticket_create(channel="web", category="benefit", text="我家的教育资助还没收到", area=people.areas.village_a1,
                           actor=None, citizen_name="李秀英", citizen_phone="13912345678")
    other = ticket_create(channel="web", category="policy", text="别人的诉求-OTHER", area=people.areas.village_b1,
                          actor=None, citizen_name="赵六", citizen_phone="13700000000")
    client = Client()
    body = track(client, ticket.tracking_code.lower().replace("-", " ")).content.decode()
    assert "待遇未落实" in body and "办理中" in body
    for private in ("李秀英", "13912345678", "我家的教育资助还没收到", "区扶贫办", "赵六", "别人的诉求", other.tracking_code):
        assert private not in body
    ticket_reply(ticket, actor=people.officer, text="已于本月补发 1500 元")
    body = track(client, ticket.tracking_code).content.decode()
    assert "已于本月补发 1500 元" in body and "已答复待回访" in body


def test_a_wrong_code_finds_nothing(people):
    ticket_create(channel="web", category="benefit", text="x", area=people.areas.village_a1, actor=None)
    response = track(Client(), "AAAA-AAAA-AAAA-AAAA")
    assert response.status_code == 404 and "查询码不正确" in response.content.decode()


def test_submissions_are_limited_per_address(people, settings):
    settings.FUPIN_HOTLINE_SUBMITS_PER_HOUR = 2
    settings.FUPIN_CAPTCHA_AFTER_POSTS = 10  # the CAPTCHA after a few posts: test_public_captcha.py
    client = Client()
    assert [submit(client, people).status_code for _ in range(3)] == [302, 302, 429]
    assert "提交过于频繁" in submit(client, people).content.decode()
    assert submit(client, people, ip="10.0.0.2").status_code == 302  # another address has its own count
    assert Ticket.objects.count() == 3


def test_look_ups_are_limited_per_address(people, settings):
    settings.FUPIN_HOTLINE_LOOKUPS_PER_HOUR = 3
    ticket = ticket_create(channel="web", category="benefit", text="x", area=people.areas.village_a1, actor=None)
    client = Client()
    codes = ["AAAA-AAAA-AAAA-AAAB", "AAAA-AAAA-AAAA-AAAC", ticket.tracking_code, ticket.tracking_code]
    assert [track(client, c).status_code for c in codes] == [404, 404, 200, 429]


def test_the_time_window_resets_the_count(people, settings, clock):
    settings.FUPIN_HOTLINE_SUBMITS_PER_HOUR = 1
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rate"}}
    client = Client()
    clock("2020-05-01", hour=10)
    assert submit(client, people).status_code == 302
    assert submit(client, people).status_code == 429
    clock("2020-05-01", hour=11)
    assert submit(client, people).status_code == 302


def test_size_limits_refuse_and_write_nothing(people, settings):
    settings.FUPIN_HOTLINE_MAX_BYTES = 100
    client = Client()
    response = submit(client, people, files=SimpleUploadedFile("大.pdf", b"%PDF" + b"x" * 200))
    assert response.status_code == 422 and "超过" in response.content.decode()
    response = submit(client, people, text="长" * 2001)
    assert response.status_code == 422
    response = submit(client, people, files=SimpleUploadedFile("a.html", b"<html>"))
    assert response.status_code == 422 and "类型不允许" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_csrf_is_enforced_on_the_public_form(people):
    client = Client(enforce_csrf_checks=True)
    assert submit(client, people).status_code == 403
    assert track(client, "AAAA").status_code == 403
    assert Ticket.objects.count() == 0
